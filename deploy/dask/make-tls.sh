#!/bin/sh
# A private CA and one certificate for the grading cluster's scheduler, workers and the instructor's client
# (deploy/dask/tls.yaml points at them). Copy the folder to /etc/dask-grading on every host, mode 0700.
#   sh deploy/dask/make-tls.sh /etc/dask-grading
set -eu
dir=${1:?usage: make-tls.sh DIR}
mkdir -p "$dir" && chmod 700 "$dir" && cd "$dir"
openssl req -x509 -newkey rsa:3072 -nodes -days 365 -subj "/CN=dask-grading-ca" -keyout ca-key.pem -out ca.pem
openssl req -newkey rsa:3072 -nodes -subj "/CN=dask-grading-node" -keyout node-key.pem -out node.csr
openssl x509 -req -in node.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 -out node.pem
rm node.csr
echo "made $dir/{ca,node,node-key}.pem; keep ca-key.pem off the worker hosts"
