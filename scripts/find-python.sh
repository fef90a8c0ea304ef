#!/usr/bin/env bash
# Print the absolute path of a Python interpreter >= 3.12 on stdout.
#
# Search order (first match that really is >= 3.12 wins):
#   1. $PYTHON, if set (e.g. `make run PYTHON=/opt/python3.13/bin/python3`)
#   2. the pyenv version named in .python-version (e.g. "3.13" -> newest 3.13.x)
#   3. python3.13, python3.12, python3.14, python3 from PATH
#
# If nothing suitable is found, one sentence goes to stderr and we exit 1.
set -euo pipefail

MIN_MAJOR=3
MIN_MINOR=12

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# Prints sys.executable if "$1" runs and is new enough; fails silently otherwise.
check() {
    "$1" -c "import sys
if sys.version_info < ($MIN_MAJOR, $MIN_MINOR): sys.exit(1)
print(sys.executable)" 2>/dev/null
}

# Describe what we found, for the error message ("python3 3.11.7, ...").
found=()
note_version() {
    local v
    v=$("$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || return 0
    found+=("$2 $v")
}

candidates=()

if [[ -n ${PYTHON:-} ]]; then
    candidates+=("$PYTHON")
fi

# pyenv: resolve the version from .python-version without relying on shims.
if [[ -f $ROOT/.python-version ]]; then
    want=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$ROOT/.python-version" | grep -m1 . || true)
    if [[ -n $want ]]; then
        pyenv_root=${PYENV_ROOT:-}
        if [[ -z $pyenv_root ]] && command -v pyenv >/dev/null 2>&1; then
            pyenv_root=$(pyenv root 2>/dev/null || true)
        fi
        pyenv_root=${pyenv_root:-$HOME/.pyenv}
        if [[ -d $pyenv_root/versions ]]; then
            # exact match ("3.13.0") or newest release matching the prefix ("3.13" -> 3.13.x)
            if [[ -x $pyenv_root/versions/$want/bin/python ]]; then
                candidates+=("$pyenv_root/versions/$want/bin/python")
            fi
            want_re=${want//./\\.}
            while IFS= read -r v; do
                candidates+=("$pyenv_root/versions/$v/bin/python")
            done < <(for p in "$pyenv_root"/versions/*; do echo "${p##*/}"; done |
                grep -E "^${want_re}(\.[0-9]+)*$" | sort -rV)
        fi
    fi
fi

for name in python3.13 python3.12 python3.14 python3; do
    if p=$(command -v "$name" 2>/dev/null); then
        candidates+=("$p")
    fi
done

for c in "${candidates[@]}"; do
    if exe=$(check "$c"); then
        printf '%s\n' "$exe"
        exit 0
    fi
    note_version "$c" "$(basename "$c")"
done

hint="bitte z. B. 'pyenv install 3.13' ausführen oder python3.13 über den Paketmanager installieren"
if ((${#found[@]})); then
    seen=$(printf '%s, ' "${found[@]}")
    echo "Python >= $MIN_MAJOR.$MIN_MINOR wird benötigt, gefunden wurde nur ${seen%, } ($hint)." >&2
else
    echo "Python >= $MIN_MAJOR.$MIN_MINOR wird benötigt, es wurde kein Python gefunden ($hint)." >&2
fi
exit 1
