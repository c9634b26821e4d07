"""Executes notebooks top to bottom in a fresh kernel, failing on the first error:
`python notebooks/run.py notebooks/tutorial.ipynb`; with `--write`, saves the outputs
into the notebook."""

import sys

import nbclient
import nbformat


def main() -> None:
    write = "--write" in sys.argv[1:]
    for path in (a for a in sys.argv[1:] if a != "--write"):
        notebook = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
        print(f"{path}: every cell ran")
        if write:
            nbformat.write(notebook, path)


if __name__ == "__main__":
    main()
