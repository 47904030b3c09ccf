# Shared by the bench scripts that import generated packages in Pyodide
# (check_snapshot.sh, slim.sh). Needs $build (with tests/pw_wheelgen).

# The 20 generated packages gen0..gen19: each imports a stdlib module and
# does import-time work (tables, compiled patterns, a dataclass). With
# `filler`, each also ships files nothing imports (a CLI module, data,
# tests, stubs) of the same kind a package carries, for --slim to drop.
# Wheels go to $1; their names are appended to the requirements file $2.
generate_import_packages() {
  local wheels=$1 requirements=$2 with_filler=${3:-}
  local stdlib=(json decimal fractions email.parser html.parser xml.etree.ElementTree csv difflib
    textwrap statistics heapq bisect collections functools string base64 hashlib ipaddress
    urllib.parse calendar)
  mkdir -p "$wheels"
  local i m extra
  for i in $(seq 0 19); do
    m=${stdlib[$i]}
    extra=()
    if [ -n "$with_filler" ]; then
      extra=(--file "gen$i/cli.py=$(bench_filler "1$i" 400)
def main():
    pass
" --file "gen$i/data/words.txt=$(bench_filler "2$i" 300)
" --file "gen$i/tests/test_core.py=$(bench_filler "3$i" 200)
def test_shout():
    pass
" --file "gen$i/__init__.pyi=$(bench_filler "4$i" 60)
" --file "gen$i/py.typed=")
    fi
    "$build/tests/pw_wheelgen" --name "gen$i" --version 1.0 --out "$wheels" \
      --file "gen$i/__init__.py=import re
import dataclasses
import $m
from . import core
TABLE = {k: str(k) * 3 for k in range(20000)}
WORDS = [core.shout(str(k)) for k in range(2000)]
PATTERNS = [re.compile(r'(?P<w%d>[a-z]+)_%d\\d+' % (k, k)) for k in range(50)]

@dataclasses.dataclass(frozen=True)
class Record$i:
    name: str
    size: int = 0
    tags: tuple = ()

RECORDS = [Record$i(str(k), k) for k in range(1000)]
" --file "gen$i/core.py=def shout(s):
    return s.upper() + '!'
" "${extra[@]}" >/dev/null
    echo "gen$i" >>"$requirements"
  done
}

# $2 lines of comment text, the same for the same seed $1.
bench_filler() {
  python3 -c "import random; r = random.Random($1); print('\n'.join('# ' + ' '.join(r.choice(['alpha', 'beta', 'gamma', 'delta', 'value', 'return', 'self', 'data', str(r.randrange(10**6))]) for _ in range(12)) for _ in range($2)))"
}
