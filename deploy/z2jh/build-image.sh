#!/bin/sh
# Build the single-user image for Zero to JupyterHub with repo2docker:
#   deploy/z2jh/build-image.sh registry.example.org/dl-tuning-course/singleuser:2026.11
# The image gets the committed tree minus what students must never have (source/ with the hidden tests,
# tests/, the sample class), the pins of environment.yml and deploy/z2jh/postBuild. Needs docker and
# `pip install jupyter-repo2docker`.
set -eu
image=${1:?usage: deploy/z2jh/build-image.sh IMAGE:TAG}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$repo" archive HEAD | tar -x -C "$work"
rm -rf "$work/source" "$work/tests" "$work/autograder/sample_class" "$work/bench"
mkdir "$work/binder"  # with binder/, repo2docker ignores the configuration files at the top
grep -v -- '- -e \.' "$repo/environment.yml" > "$work/binder/environment.yml"  # postBuild installs the package
cp "$repo/deploy/z2jh/postBuild" "$work/binder/postBuild"
# /srv/course, not the home folder: the user's home volume is mounted over /home/jovyan.
repo2docker --no-run --user-name jovyan --user-id 1000 --target-repo-dir /srv/course --image-name "$image" "$work"
echo "built $image; push it and set singleuser.image in deploy/z2jh/values.yaml"
