"""Notebook 06: mistakes students make with TensorFlow, and other correct ways to write each exercise.

Footprints are kept small so bundles stay few: every test of a later exercise builds its own inputs, except
``make_dataset`` (it maps the student's ``normalize`` and ``one_hot_matrix``) and ``model`` (it runs the whole
chain), so only mistakes that break training name ``model`` in ``also_loses``. With the notebook's settings
(15 epochs, seed 1), a ReLU on the logits and a softmax before the loss each leave the model under a floor: the
softmax's cost falls by less than half at every seed measured (last/first cost 0.66 or more, seeds 1-4), the ReLU
reaches 0.58 test accuracy at seed 1 (it kills some logits for good; one seed in twelve escapes, so it is the
test's fixed seed that makes it lose). Dividing by 255 only slows training: by 15 epochs the model reaches 0.953
test accuracy at seed 1 (0.889-0.95 over seeds 1-10, two of ten under the floor), so that mistake costs
``normalize`` and ``make_dataset``; at the test's seed ``model`` keeps its points.
"""

from tests.variants import Correct, Wrong, concept_answers

VARIANTS = [
    # --- the ones that break the training run come first: each needs a bundle of its own ---
    Wrong(
        "model_ignores_num_epochs",
        "model",
        """
def model(X_train, y_train, X_test, y_test, layer_dims, learning_rate, num_epochs, batch_size, seed=1):
    train = make_dataset(X_train, y_train, batch_size, layer_dims[-1], shuffle_seed=seed)
    parameters = initialize_parameters(layer_dims, seed)
    step = make_train_step(parameters, tf.keras.optimizers.Adam(learning_rate))
    total = sum(float(step(x, y)) for x, y in train)      # one epoch only
    def accuracy(X, y):
        logits = forward_propagation(tf.constant(X / 16.0, tf.float32), parameters)
        return float(np.mean(np.argmax(logits.numpy(), axis=1) == y))
    return parameters, [total / len(y_train)], accuracy(X_train, y_train), accuracy(X_test, y_test)
""",
        message="append one cost per epoch",
    ),
    Correct(
        "model_plain_tqdm_numpy_accuracy",
        "model",
        """
def model(X_train, y_train, X_test, y_test, layer_dims, learning_rate, num_epochs, batch_size, seed=1):
    from tqdm import tqdm as console_tqdm   # writes its bar to stderr: must not cost points
    parameters = initialize_parameters(layer_dims, seed=seed)
    optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate)
    step = make_train_step(parameters, optimizer)
    data = make_dataset(X_train, y_train, batch_size, layer_dims[-1], shuffle_seed=seed)
    costs = []
    for epoch in console_tqdm(range(num_epochs)):
        losses = [step(x, y).numpy() for x, y in data]
        costs.append(float(np.sum(losses)) / X_train.shape[0])
    def accuracy(X, y):
        logits = forward_propagation(tf.convert_to_tensor(X / X_train.max(), dtype=tf.float32), parameters)
        return float((np.argmax(logits, axis=1) == y).mean())
    return parameters, costs, accuracy(X_train, y_train), accuracy(X_test, y_test)
""",
    ),
    Wrong(
        "dataset_unbatched",
        "make_dataset",
        """
def make_dataset(X, y, batch_size, num_classes, shuffle_seed=None):
    dataset = tf.data.Dataset.from_tensor_slices((X, y))
    dataset = dataset.map(lambda image, label: (normalize(image), one_hot_matrix(label, num_classes)))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(y), seed=shuffle_seed)
    return dataset.prefetch(tf.data.AUTOTUNE)
""",
        message="call .batch(batch_size)",
        also_loses=("model",),
    ),
    Wrong(
        "parameters_are_tensors",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    init = tf.keras.initializers.GlorotNormal(seed=seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = init(shape=(layer_dims[l - 1], layer_dims[l]))
        parameters["b" + str(l)] = tf.zeros((layer_dims[l],))
    return parameters
""",
        message="wrap every array in tf.Variable",
        also_loses=("model",),
    ),
    Wrong(
        "parameters_transposed_like_numpy",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    init = tf.keras.initializers.GlorotNormal(seed=seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = tf.Variable(init(shape=(layer_dims[l], layer_dims[l - 1])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l], 1)))
    return parameters
""",
        message="the numpy notebooks' transposed layout",
        also_loses=("model",),
    ),
    Wrong(
        "relu_on_output_layer",
        "forward_propagation",
        """
def forward_propagation(X, parameters):
    A = X
    for l in range(1, len(parameters) // 2 + 1):
        A = tf.nn.relu(A @ parameters[f"W{l}"] + parameters[f"b{l}"])
    return A
""",
        message="no ReLU on the output layer",
        also_loses=("model",),
    ),
    Wrong(
        "softmax_before_from_logits_loss",
        "compute_total_loss",
        """
def compute_total_loss(logits, labels):
    probabilities = tf.nn.softmax(logits)
    return tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=probabilities))
""",
        message="softmax was applied twice",
        also_loses=("model",),
    ),
    Wrong(
        "normalize_by_255",
        "normalize",
        """
def normalize(image):
    return tf.reshape(tf.cast(image, tf.float32) / 255.0, [-1])
""",
        message="largest pixel value is 16, not 255",
        also_loses=("make_dataset",),
    ),
    # --- mistakes that stay inside their own exercise ---
    Wrong(
        "linear_with_numpy_ops",
        "linear_function",
        """
def linear_function(X, W, b):
    return np.add(np.dot(X, W), b)
""",
        message="it returned a NumPy array",
    ),
    Wrong(
        "update_rebinds_a_new_variable",
        "update_variable",
        """
def update_variable(v, delta):
    if not isinstance(v, tf.Variable):
        raise TypeError("v must be a tf.Variable")
    v = tf.Variable(v + delta)
    return v
""",
        message="update it in place with v.assign_add(delta)",
    ),
    Wrong(
        "gradient_without_watch",
        "gradient_of",
        """
def gradient_of(f, x):
    x = tf.constant(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        y = f(x)
    return tape.gradient(y, x)
""",
        message="call tape.watch(x)",
    ),
    Wrong(
        "second_derivative_returns_the_first",
        "second_derivative",
        """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        first = inner.gradient(y, x)
    return first
""",
        message="that is the first derivative",
    ),
    Wrong(
        "one_hot_fixed_depth_ten",
        "one_hot_matrix",
        """
def one_hot_matrix(label, depth):
    return tf.one_hot(label, 10)
""",
        message="one-hot labels of the wrong depth",
        also_loses=("make_dataset",),
    ),
    Wrong(
        "loss_is_a_mean",
        "compute_total_loss",
        """
def compute_total_loss(logits, labels):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
""",
        message="that is the mean over the batch",
    ),
    Wrong(
        "train_step_without_tf_function",
        "make_train_step",
        """
def make_train_step(parameters, optimizer):
    variables = list(parameters.values())
    def train_step(X, Y):
        with tf.GradientTape() as tape:
            loss = compute_total_loss(forward_propagation(X, parameters), Y)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss
    return train_step
""",
        message="not a tf.function",
    ),
    Wrong(
        "update_without_type_check",
        "update_variable",
        """
def update_variable(v, delta):
    v.assign_add(delta)
    return v
""",
    ),
    Wrong(
        "second_derivative_outside_outer_tape",
        "second_derivative",
        """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = f(x)
    first = inner.gradient(y, x)
    with tf.GradientTape() as outer:
        outer.watch(x)
    return outer.gradient(first, x)
""",
        message="compute the first derivative INSIDE the outer tape",
    ),
    Wrong(
        "parameters_one_seeded_initializer_for_every_layer",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    initializer = tf.keras.initializers.GlorotNormal(seed=seed)   # the same numbers on every call
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = tf.Variable(initializer(shape=(layer_dims[l - 1], layer_dims[l])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l],)))
    return parameters
""",
        message="is a rescaled copy of the first",
    ),
    Wrong(
        "parameters_truncated_normal_not_rescaled",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_in, n_out = layer_dims[l - 1], layer_dims[l]
        W = tf.random.stateless_truncated_normal((n_in, n_out), seed=[seed, l], stddev=np.sqrt(2 / (n_in + n_out)))
        parameters[f"W{l}"] = tf.Variable(W)
        parameters[f"b{l}"] = tf.Variable(tf.zeros((n_out,)))
    return parameters
""",
        message="keeps only 0.88 of its spread",
    ),
    Wrong(
        "dataset_shuffles_whole_batches",
        "make_dataset",
        """
def make_dataset(X, y, batch_size, num_classes, shuffle_seed=None):
    dataset = tf.data.Dataset.from_tensor_slices((X, y))
    dataset = dataset.map(lambda image, label: (normalize(image), one_hot_matrix(label, num_classes)))
    dataset = dataset.batch(batch_size)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(buffer_size=len(y), seed=shuffle_seed)   # shuffles the batches, not the examples
    return dataset.prefetch(tf.data.AUTOTUNE)
""",
        message="whole batches were shuffled, not examples",
    ),
    # --- different but correct ---
    Correct(
        "parameters_seed_per_layer",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    parameters = {}
    for l in range(1, len(layer_dims)):
        init = tf.keras.initializers.GlorotNormal(seed=1000 * seed + l)   # a seed of its own for each layer
        parameters[f"W{l}"] = tf.Variable(init(shape=(layer_dims[l - 1], layer_dims[l])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l],)))
    return parameters
""",
    ),
    Correct(
        "parameters_generator_truncated_normal",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    generator = tf.random.Generator.from_seed(seed)   # one stream, advancing with every draw
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_in, n_out = layer_dims[l - 1], layer_dims[l]
        std = np.sqrt(2.0 / (n_in + n_out)) / 0.87962566  # the truncation at 2 std keeps 0.8796 of the spread
        parameters[f"W{l}"] = tf.Variable(generator.truncated_normal((n_in, n_out), stddev=std))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((n_out,)))
    return parameters
""",
    ),
    Correct(
        "linear_with_operators",
        "linear_function",
        """
def linear_function(X, W, b):
    return tf.add(X @ W, b)
""",
    ),
    Correct(
        "update_with_assign",
        "update_variable",
        """
def update_variable(v, delta):
    if not isinstance(v, tf.Variable):
        raise TypeError(f"expected a tf.Variable, got {type(v).__name__}")
    v.assign(v + delta)
    return v
""",
    ),
    Correct(
        "gradient_through_a_variable",
        "gradient_of",
        """
def gradient_of(f, x):
    x = tf.Variable(tf.cast(x, tf.float32))   # Variables are watched without tape.watch
    with tf.GradientTape() as tape:
        y = f(x)
    return tape.gradient(y, x)
""",
    ),
    Correct(
        "second_derivative_with_a_persistent_tape",
        "second_derivative",
        """
def second_derivative(f, x):
    x = tf.constant(x, dtype=tf.float32) if not tf.is_tensor(x) else x
    with tf.GradientTape(persistent=True) as tape:   # TensorFlow logs a warning here: must cost nothing
        tape.watch(x)
        y = f(x)
        first = tape.gradient(y, x)
    second = tape.gradient(first, x)
    del tape
    return second
""",
    ),
    Correct(
        "one_hot_built_by_comparison",
        "one_hot_matrix",
        """
def one_hot_matrix(label, depth):
    positions = tf.range(depth, dtype=tf.int64)
    return tf.cast(tf.equal(positions, tf.cast(label, tf.int64)), tf.float32)
""",
    ),
    Correct(
        "normalize_flatten_first",
        "normalize",
        """
def normalize(image):
    flat = tf.reshape(image, (-1,))
    return tf.cast(flat, tf.float32) / tf.constant(16.0)
""",
    ),
    Correct(
        "dataset_batch_then_vectorised_map",
        "make_dataset",
        """
def make_dataset(X, y, batch_size, num_classes, shuffle_seed=None):
    ds = tf.data.Dataset.from_tensor_slices((np.asarray(X, np.float32), np.asarray(y)))
    if shuffle_seed is not None:
        ds = ds.shuffle(buffer_size=len(y), seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    ds = ds.map(lambda xb, yb: (tf.reshape(xb, (tf.shape(xb)[0], -1)) / 16.0, tf.one_hot(yb, num_classes)))
    return ds.prefetch(1)
""",
    ),
    Correct(
        "parameters_from_numpy_normal",
        "initialize_parameters",
        """
def initialize_parameters(layer_dims, seed=1):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n_in, n_out = layer_dims[l - 1], layer_dims[l]
        W = rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out)).astype(np.float32)
        parameters["W%d" % l] = tf.Variable(W)
        parameters["b%d" % l] = tf.Variable(np.zeros(n_out, np.float32))
    return parameters
""",
    ),
    Correct(
        "forward_with_keras_activation",
        "forward_propagation",
        """
def forward_propagation(X, parameters):
    L = len(parameters) // 2
    A = X
    for l in range(1, L + 1):
        Z = tf.add(tf.matmul(A, parameters["W" + str(l)]), parameters["b" + str(l)])
        A = Z if l == L else tf.keras.activations.relu(Z)
    return A
""",
    ),
    Correct(
        "loss_with_keras",
        "compute_total_loss",
        """
def compute_total_loss(logits, labels):
    per_example = tf.keras.losses.categorical_crossentropy(labels, logits, from_logits=True)
    return tf.reduce_sum(per_example)
""",
    ),
    Correct(
        "train_step_wrapped_after",
        "make_train_step",
        """
def make_train_step(parameters, optimizer):
    def step(X, Y):
        with tf.GradientTape() as tape:
            logits = forward_propagation(X, parameters)
            loss = compute_total_loss(logits, Y)
        names = list(parameters)
        grads = tape.gradient(loss, [parameters[k] for k in names])
        optimizer.apply_gradients([(g, parameters[k]) for g, k in zip(grads, names)])
        return loss
    return tf.function(step)
""",
    ),
]

# Concept questions: every wrong option loses its point with its own explanation; the right one in another form
# keeps it; a blank loses it.
VARIANTS += [
    *concept_answers(
        "variable",
        ('"B"', '" b "'),
        {
            '"a"': "The dtype does not separate them",
            '"c"': "The difference is mutability",
            '"d"': "builds a new tensor and rebinds the name w",
        },
    ),
    *concept_answers(
        "tape_records",
        ('"(b)"',),
        {
            '"a"': "A tape does not read or re-run your code",
            '"c"': "y is a tensor of its own",
            '"d"': "tapes watch those automatically",
        },
    ),
    *concept_answers(
        "retracing",
        ('"dcb"', '["b", "c", "d"]', '"B, C, D"'),
        {
            '"abcd"': "No new trace for a",
            '"bc"': "d retraces",
            '"cd"': "b retraces",
            '"a"': "No new trace for a",
        },
    ),
    *concept_answers(
        "summed_loss",
        ('"B"',),
        {
            '"a"': "scaling all gradients by the same factor cancels",
            '"c"': "A sum of b per-example gradients grows with b",
            '"d"': "A sum gives every example full weight",
        },
    ),
]
