#!/usr/bin/env python3
"""Train an `nnc export --format keras` model with Keras 3 on many accelerators.

The other half of docs/scale-out.md: nnc exports a model (`nnc export model.nn --weights
w.safetensors --format keras --compile ... --out model.keras`) and the predictions it
makes (`nnc run ... --output expected.npy`); this script, on a machine with Keras 3,

1. loads the .keras file inside a distribution strategy's scope,
2. checks that Keras predicts what nnc predicted for the same input (max |diff| <= --atol),
3. trains it with `fit` on an .npz (x_train, y_train and optionally x_val, y_val), the
   batch split across every accelerator the strategy sees,
4. saves the trained model as a .keras file, which `nnc import trained.keras --out DIR`
   takes back (then `nnc build DIR/model.nn --weights DIR/weights.safetensors`).

Strategies (--strategy):

- mirrored:    tf.distribute.MirroredStrategy, every GPU of this machine (TensorFlow backend);
- multiworker: tf.distribute.MultiWorkerMirroredStrategy, every GPU of every machine listed
               in the TF_CONFIG environment variable (run the same command on each);
- jax:         keras.distribution.DataParallel over every JAX device (GPUs or TPU cores);
- none:        the default device.

Needs Keras 3 and TensorFlow or JAX (`pip install keras tensorflow` or `keras jax[cuda12]`).
nnc's tests only compile this file (python3 -m py_compile); they never run it.
"""

import argparse
import os
import sys


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="the .keras file nnc export wrote")
    parser.add_argument("--check-input", help="an input .npy nnc ran the model on (nnc run --input)")
    parser.add_argument("--check-output", help="what nnc predicted for it (nnc run --output)")
    parser.add_argument("--atol", type=float, default=1e-5, help="largest accepted |Keras - nnc| (default 1e-5)")
    parser.add_argument("--data", help="training data: an .npz with x_train, y_train [, x_val, y_val]")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32, help="examples per step on each replica")
    parser.add_argument("--strategy", choices=["mirrored", "multiworker", "jax", "none"], default="mirrored")
    parser.add_argument("--optimizer", default="adam", help="when the file has no compile config (nnc export without --compile)")
    parser.add_argument("--loss", default="sparse_categorical_crossentropy", help="when the file has no compile config")
    parser.add_argument("--out", help="where to save the trained model (.keras)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    # The backend is chosen before Keras is imported.
    os.environ.setdefault("KERAS_BACKEND", "jax" if args.strategy == "jax" else "tensorflow")
    import numpy as np
    import keras

    replicas = 1
    scope = None
    if args.strategy in ("mirrored", "multiworker"):
        import tensorflow as tf

        if args.strategy == "mirrored":
            strategy = tf.distribute.MirroredStrategy()
        else:
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
        replicas = strategy.num_replicas_in_sync
        scope = strategy.scope()
    elif args.strategy == "jax":
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        replicas = len(devices)
    print(f"strategy {args.strategy}: {replicas} replica(s), Keras {keras.__version__} on {keras.backend.backend()}")

    def load():
        model = keras.saving.load_model(args.model)
        if model.optimizer is None or not model.compiled:
            model.compile(optimizer=args.optimizer, loss=args.loss, metrics=["accuracy"])
        return model

    if scope is not None:
        with scope:
            model = load()
    else:
        model = load()
    model.summary()

    if args.check_input or args.check_output:
        if not (args.check_input and args.check_output):
            sys.exit("--check-input and --check-output go together")
        x = np.load(args.check_input)
        expected = np.load(args.check_output)
        got = np.asarray(model.predict(x, verbose=0))
        if got.shape != expected.shape:
            sys.exit(f"Keras predicts shape {got.shape}, nnc predicted {expected.shape}")
        diff = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64))))
        print(f"Keras vs nnc on {args.check_input}: max |diff| {diff:.3g} (atol {args.atol:g})")
        if not diff <= args.atol:
            sys.exit("Keras does not predict what nnc predicted: not training")

    if args.data:
        data = np.load(args.data)
        validation = (data["x_val"], data["y_val"]) if "x_val" in data and "y_val" in data else None
        # The global batch is split across the replicas: each sees --batch-size examples a step.
        history = model.fit(data["x_train"], data["y_train"], validation_data=validation, epochs=args.epochs, batch_size=args.batch_size * replicas)
        for key, values in history.history.items():
            print(f"{key}: {values[-1]:.4f}")

    if args.out:
        if not args.out.endswith(".keras"):
            sys.exit("--out must end in .keras")
        if args.strategy == "multiworker" and not is_chief():
            # Every worker saves (the variables are collective), only the chief to --out.
            import tempfile

            model.save(os.path.join(tempfile.mkdtemp(), "worker.keras"))
            return
        model.save(args.out)
        print(f"saved {args.out}; back to nnc: nnc import {args.out} --out DIR")


def is_chief():
    """The chief of a MultiWorkerMirroredStrategy cluster: task 'chief', or worker 0 when there is none."""
    import json

    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})
    kind, index = task.get("type", "worker"), task.get("index", 0)
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {}))


if __name__ == "__main__":
    main(sys.argv[1:])
