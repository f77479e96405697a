/**
 * @file The Python side of the Python engine, run by one long-lived interpreter: it imports the user's module,
 * reads requests from stdin (a JSON header line, then each array's raw little-endian bytes), calls the
 * function on torch tensors, and answers the same way on stdout; with a cotangent it adds the VJP by autograd.
 */
export const pythonDriver = String.raw`
import importlib.util, inspect, json, sys, traceback

path, wanted, float_name, label_name, with_vjp = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == '1'
# The fixed [batch, classes] the function takes, or None when they vary.
fixed = json.loads(sys.argv[6])
out_stream = sys.stdout.buffer
sys.stdout = sys.stderr

def send(header, arrays=()):
    out_stream.write((json.dumps(header) + '\n').encode())
    for a in arrays:
        out_stream.write(a.contiguous().numpy().tobytes())
    out_stream.flush()

try:
    spec = importlib.util.spec_from_file_location('xent_engine_module', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    own = [n for n, v in vars(module).items() if inspect.isfunction(v) and v.__module__ == module.__name__ and not n.startswith('_')]
    if wanted == '':
        if len(own) != 1:
            raise ValueError('the module defines %d public functions (%s): name one' % (len(own), ', '.join(own) or 'none'))
        wanted = own[0]
    if wanted not in own:
        raise ValueError('the module has no function %r (its functions: %s)' % (wanted, ', '.join(own) or 'none'))
    fn = getattr(module, wanted)
    # torch is imported once the function is found: a module without one is reported without waiting for it.
    import torch
    TYPES = {'f32': torch.float32, 'f64': torch.float64, 'i32': torch.int32, 'i64': torch.int64}
    FLOAT = TYPES[float_name]
    NAMES = {v: k for k, v in TYPES.items()}
    params = list(inspect.signature(fn).parameters)
    if len(params) != 2:
        raise ValueError('%s takes %d parameters, not 2 (logits, labels)' % (wanted, len(params)))
    batch, classes = fixed or ['batch', 'classes']
    inputs = [{'name': params[0], 'dtype': float_name, 'shape': [batch, classes]}, {'name': params[1], 'dtype': label_name, 'shape': [batch]}]
    outputs = [{'name': 'out', 'dtype': float_name}]
    if with_vjp:
        # The loss's shape (a scalar, or one value per example) from one call on a small batch.
        b, k = fixed or [2, 3]
        rank = fn(torch.zeros(b, k, dtype=FLOAT), torch.zeros(b, dtype=TYPES[label_name])).dim()
        if rank > 1:
            raise ValueError('%s returns a tensor of rank %d, not a scalar or one value per example' % (wanted, rank))
        inputs.append({'name': 'd(out)', 'dtype': float_name, 'shape': [batch][:rank]})
        outputs.append({'name': 'd(%s)' % params[0], 'dtype': float_name})
    send({'function': wanted, 'inputs': inputs, 'outputs': outputs})
except Exception as e:
    send({'error': '%s: %s' % (type(e).__name__, e)})
    sys.exit(0)

stdin = sys.stdin.buffer
while True:
    line = stdin.readline()
    if not line:
        break
    request = json.loads(line)
    tensors = {}
    for a in request['arrays']:
        dtype = TYPES[a['dtype']]
        count = 1
        for d in a['shape']:
            count *= d
        raw = stdin.read(count * torch.tensor([], dtype=dtype).element_size())
        tensors[a['name']] = torch.frombuffer(bytearray(raw), dtype=dtype).reshape(a['shape']) if count else torch.zeros(a['shape'], dtype=dtype)
    try:
        z = tensors[params[0]].clone().requires_grad_(with_vjp)
        with torch.no_grad() if not with_vjp else torch.enable_grad():
            out = fn(z, tensors[params[1]])
        results = [('out', out.detach().to(FLOAT))]
        if with_vjp:
            (g,) = torch.autograd.grad(out, z, tensors['d(out)'].reshape(out.shape), allow_unused=True)
            results.append(('d(%s)' % params[0], (torch.zeros_like(z) if g is None else g).detach().to(FLOAT)))
        send({'arrays': [{'name': n, 'dtype': NAMES[t.dtype], 'shape': list(t.shape)} for n, t in results]}, [t for _, t in results])
    except Exception as e:
        send({'error': ''.join(traceback.format_exception_only(type(e), e)).strip()})
`;
