#!/bin/sh
# Prints the path of a Python 3.12+ interpreter, or fails with a clear message.
# Looks at $PYTHON, the usual names on PATH, then pyenv's installed versions.
set -u
check() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null
}
for cand in ${PYTHON:-} python3.12 python3.13 python3.14 python3 python; do
  path=$(command -v "$cand" 2>/dev/null) || continue
  if check "$path"; then echo "$path"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for path in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
  if check "$path"; then echo "$path"; exit 0; fi
done
echo "error: Python 3.12 or newer is required (llama-stack-client 0.7 needs it) and none was found." >&2
echo "       Install one (e.g. 'pyenv install 3.12') or point PYTHON=/path/to/python3.12 at it." >&2
exit 1
