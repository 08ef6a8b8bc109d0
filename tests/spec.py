"""The graded names of COURSE_SPEC §4, per assignment: the contract the notebook tests hold the notebooks to."""

GRADED = {
    "01_tuning_process": [
        "TUNING_PRIORITY",
        "grid_search",
        "random_search",
        "zoom_in",
        "coarse_to_fine",
        "pick_best_run",
    ],
    "02_log_scale_sampling": [
        "sample_log_uniform",
        "sample_beta",
        "decade_counts",
        "effective_window",
        "sample_hyperparameters",
    ],
    "03_batchnorm_from_scratch": [
        "batchnorm_forward",
        "batchnorm_backward",
        "initialize_parameters_bn",
        "forward_propagation_bn",
        "backward_propagation_bn",
    ],
    "04_batchnorm_test_time": [
        "update_running_average",
        "batchnorm_forward_train",
        "batchnorm_forward_test",
        "predict_bn",
    ],
    "05_softmax_regression": [
        "softmax",
        "one_hot",
        "compute_cost",
        "softmax_gradients",
        "train_softmax_regression",
        "predict_softmax",
    ],
    "06_tensorflow_intro": [
        "linear_function",
        "update_variable",
        "gradient_of",
        "second_derivative",
        "one_hot_matrix",
        "normalize",
        "make_dataset",
        "initialize_parameters",
        "forward_propagation",
        "compute_total_loss",
        "make_train_step",
        "model",
    ],
}

ALL_GRADED_NAMES = sorted({name for names in GRADED.values() for name in names})
