#!/usr/bin/env bash
# Packs the six publishable packages and uses them the way a user would: a fresh app outside the
# repository (no workspace around it) installs the tarballs from disk and @types/node from the
# registry; a strict TypeScript file type-checks against our .d.ts with skipLibCheck off and no DOM
# lib (and a browser file with the DOM lib, whose WebGPU types must merge with ours); Node runs it
# with its own type stripping and the numbers are checked; then `xent check` runs on a loss module,
# first without TypeScript installed, then with typescript@7.
# Run after the build (`npx tsc -b`). Needs the npm registry. XENT_KEEP_APP=1 keeps the temp dirs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tsc="$repo/node_modules/typescript/bin/tsc"
work=$(mktemp -d)
if [[ "${XENT_KEEP_APP:-}" == 1 ]]; then
  trap 'echo "kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
tarballs="$work/tarballs"
app="$work/app"
log="$work/step.log"
mkdir -p "$tarballs" "$app"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

passed=0
started=$SECONDS

# step NAME FUNCTION: runs FUNCTION with its output in $log; one line per step; stops at a failure.
# (`set -e` does not apply inside a function run as an `if` condition: each step returns its status.)
step() {
  local name=$1 t0=$SECONDS
  shift
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name ($((SECONDS - t0)) s)"
  else
    echo "FAIL $name ($((SECONDS - t0)) s); its output:"
    sed 's/^/  | /' "$log"
    echo "packed app: $passed passed, 1 failed"
    exit 1
  fi
}

pack() {
  case "$app/" in "$repo"/*)
    echo "the app dir $app is inside the repository $repo"
    return 1
    ;;
  esac
  # `-w packages` selects every workspace under packages/: the six publishable ones, not bench/.
  (cd "$repo" && npm pack -w packages --pack-destination "$tarballs") || return 1
  local n
  n=$(find "$tarballs" -name '*.tgz' | wc -l)
  [[ $n == 6 ]] || { echo "expected 6 tarballs, got $n"; return 1; }
  local files
  for t in "$tarballs"/*.tgz; do
    files=$(tar -tzf "$t")
    for f in dist/index.js dist/index.d.ts LICENSE README.md package.json; do
      grep -qx "package/$f" <<<"$files" || { echo "$t has no $f (build first?)"; return 1; }
    done
  done
}

install() {
  cat >"$app/package.json" <<'EOF'
{
  "name": "xent-packed-app",
  "version": "0.0.0",
  "private": true,
  "type": "module"
}
EOF
  cat >"$app/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "strict": true,
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2024",
    "lib": ["es2024", "esnext.disposable"],
    "types": ["node"],
    "noEmit": true,
    "skipLibCheck": false,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true
  },
  "include": ["*.ts"]
}
EOF
  (cd "$app" && npm install "$tarballs"/*.tgz @types/node@24) || return 1
  # the six packages must come from the tarballs, not from the registry
  local v
  for p in xent @xent/core @xent/cpu @xent/webgpu @xent/losses @xent/laws; do
    v=$(cd "$app" && node -p "require('./node_modules/$p/package.json').version")
    [[ -f "$app/node_modules/$p/LICENSE" && $v == 0.1.0 ]] || { echo "$p: not installed from its tarball"; return 1; }
  done
  [[ $(find "$app/node_modules" -path '*/@xent/core/package.json' | wc -l) == 1 ]] || {
    echo "@xent/core is installed more than once"
    return 1
  }
}

write_app() {
  cat >"$app/app.ts" <<'EOF'
import * as x from 'xent';

const logits = x.tensor(
  [
    [2, 0.5, -1],
    [0, 1, 3],
  ],
  { dtype: 'f64' },
);
const labels = x.tensor([0, 2], { dtype: 'i32' });
const loss = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y);
const step = x.jit(x.valueAndGrad(loss), { backend: 'cpu' });
const [value, grad] = step(logits, labels);
const eager: number = x.item(loss(logits, labels));
console.log(JSON.stringify({ loss: x.item(value), eager, grad: grad.toArray() }));
EOF
}

typecheck() {
  # nothing may pull in the DOM lib (nor @webgpu/types, which needs it)
  local dom
  dom=$(node "$tsc" -p "$app" --listFilesOnly | grep -E 'lib\.dom|@webgpu/types' || true)
  [[ -z $dom ]] || { echo "the program needs DOM types:"; echo "$dom"; return 1; }
  node "$tsc" -p "$app"
}

# A browser program (lib dom): the WebGPU names in our .d.ts merge with the DOM lib's full types.
typecheck_dom() {
  mkdir -p "$app/browser"
  cat >"$app/browser/tsconfig.json" <<'EOF'
{
  "extends": "../tsconfig.json",
  "compilerOptions": { "lib": ["es2024", "esnext.disposable", "dom"], "types": [] },
  "include": ["*.ts"]
}
EOF
  cat >"$app/browser/gpu.ts" <<'EOF'
import * as x from 'xent';

export async function scratch(gpu: GPU): Promise<GPUBuffer> {
  const backend: x.WebGpuBackend = await x.webgpu({ gpu, powerPreference: 'low-power' });
  return backend.device.createBuffer({ size: 16, usage: 0x80 /* STORAGE */ });
}
EOF
  node "$tsc" -p "$app/browser"
}

run_app() {
  (cd "$app" && node app.ts) >"$work/app.out" || { cat "$work/app.out"; return 1; }
  cat "$work/app.out"
  node - "$work/app.out" <<'EOF'
const out = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const z = [[2, 0.5, -1], [0, 1, 3]];
const y = [0, 2];
let loss = 0;
const grad = z.map((row, i) => {
  const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  loss += (lse - row[y[i]]) / z.length;
  return row.map((v, k) => (Math.exp(v - lse) - (k === y[i] ? 1 : 0)) / z.length);
});
const close = (a, b) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
const bad = [];
if (!close(out.loss, loss)) bad.push(`loss ${out.loss}, expected ${loss}`);
if (!close(out.eager, loss)) bad.push(`eager loss ${out.eager}, expected ${loss}`);
grad.forEach((row, i) =>
  row.forEach((g, k) => {
    if (!close(out.grad[i]?.[k], g)) bad.push(`grad[${i}][${k}] ${out.grad[i]?.[k]}, expected ${g}`);
  }),
);
if (bad.length > 0) {
  console.error(bad.join('\n'));
  process.exit(1);
}
console.log(`loss ${loss} and its gradient match`);
EOF
}

require_cjs() {
  (cd "$app" && node --input-type=commonjs -e "
    const x = require('xent');
    const v = x.item(x.losses.crossEntropy(x.tensor([[1, 2, 3]], { dtype: 'f64' }), x.tensor([2], { dtype: 'i32' })));
    const want = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
    console.log('require(xent): cross-entropy', v);
    if (Math.abs(v - want) > 1e-12) throw new Error('expected ' + want);
  ")
}

write_losses() {
  cat >"$app/losses.ts" <<'EOF'
import * as x from 'xent';

/** Softmax cross-entropy with label smoothing ε = 0.1. */
export const smoothed = (z: x.Tensor, y: x.Tensor): x.Tensor => x.losses.crossEntropy(z, y, { labelSmoothing: 0.1 });

/** ½·NCE + ½·MAE, written by hand: bounded and symmetric. */
export function robustMix(z: x.Tensor, y: x.Tensor): x.Tensor {
  const nce = x.losses.normalizedCrossEntropy(z, y, { reduction: 'none' });
  const mae = x.losses.maeLoss(z, y, { reduction: 'none' });
  return x.mean(x.add(x.mul(0.5, nce), x.mul(0.5, mae)));
}

export const claims: Record<string, readonly string[]> = {
  smoothed: ['shiftInvariant', 'classPermutationInvariant', 'nonNegative'],
  robustMix: ['symmetric', 'bounded', 'shiftInvariant'],
};
EOF
  node "$tsc" -p "$app"
}

xent_check() {
  local out code=0
  out=$(cd "$app" && npx --no xent check losses.ts --runs 4 2>&1) || code=$?
  echo "$out"
  [[ $code == 0 ]] || { echo "xent check exited with $code"; return 1; }
  grep -q 'smoothed' <<<"$out" && grep -q 'robustMix' <<<"$out" || { echo "a loss is missing from the report"; return 1; }
  grep -q '^xent check: 2 function(s), all ok$' <<<"$out" || { echo "no 'all ok' line"; return 1; }
}

install_typescript() {
  (cd "$app" && npm install -D typescript@7) || return 1
  (cd "$app" && node -p "'typescript ' + require('./node_modules/typescript/package.json').version")
}

step "pack the six packages ($(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?'))" pack
step "npm install the tarballs and @types/node@24 into a fresh app" install
step "write app.ts" write_app
step "type-check app.ts (strict, nodenext, lib es2024, no skipLibCheck)" typecheck
step "type-check a browser file (lib dom): backend.device is the DOM's GPUDevice" typecheck_dom
step "run node app.ts: cross-entropy and its gradient on the CPU" run_app
step "require('xent') from CommonJS" require_cjs
step "write and type-check losses.ts" write_losses
step "npx xent check losses.ts --runs 4 (no typescript installed)" xent_check
step "npm install typescript@7" install_typescript
step "npx xent check losses.ts --runs 4 (typescript@7 installed)" xent_check
echo "all steps in $((SECONDS - started)) s"
echo "packed app: $passed passed, 0 failed"
