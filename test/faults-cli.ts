/**
 * The fault matrix (README "Reliability"): the CLIs run against faults of the
 * operating system and of the command line. Each case asserts the exit code,
 * the one-line message, and that no partial output or temp file remains.
 * Training signals, locks, divergence (train), long lines (frontend) and
 * SIGTERM during `ngram build --memory` (ngbuild) are tested beside their code.
 */
import t from 'tap';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliPath, root } from './helpers/cli.js';

const trainPath = path.join(path.dirname(cliPath), 'train-stream.js');

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Run lmstream with stdout going to `stdoutFd` (a file descriptor) or captured. */
function run(args: string[], o: { input?: string; stdoutFd?: number; cli?: string; timeout?: number } = {}): Run {
  const r = spawnSync(process.execPath, [o.cli ?? cliPath, ...args], {
    input: o.input ?? '', cwd: root, encoding: 'utf8', timeout: o.timeout ?? 120_000,
    stdio: ['pipe', o.stdoutFd ?? 'pipe', 'pipe'],
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The lines of stderr that are not progress or warnings: errors start with the program name. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^lmstream: /.test(l) && !/^lmstream: (tfjs backend|matmul) /.test(l));
}

/** No stack trace and no temp file name in stderr. */
function clean(t: Tap.Test, r: Run): void {
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.notMatch(r.stderr, /\.tmp\b|\.tmp-/, 'no temp name');
}

/** Temp files (ours: .NAME.PID.RAND.tmp, DIR.tmp-TAG) under `dir`. */
function temps(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (/\.tmp$|\.tmp-/.test(e.name)) out.push(path.join(d, e.name));
      if (e.isDirectory()) walk(path.join(d, e.name));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

// ---- fixtures: a corpus, an ARPA model, a count file ----
const work = t.testdir({});
const corpus = Array.from({ length: 3000 }, (_, i) => `w${i % 97} w${(i * 7) % 89} w${i % 13} x${i}`).join('\n') + '\n';
const corpusFile = path.join(work, 'corpus.txt');
writeFileSync(corpusFile, corpus);
const arpa = path.join(work, 'lm.arpa');
const countsFile = path.join(work, 'counts.txt');
t.before(() => {
  const b = run(['ngram', 'build', '--order', '2', '--quiet', '--arpa', arpa, corpusFile]);
  if (b.code !== 0) throw new Error(`fixture: ngram build failed: ${b.stderr}`);
  const c = run(['ngram', 'count', '--order', '2', corpusFile]);
  if (c.code !== 0) throw new Error(`fixture: ngram count failed: ${c.stderr}`);
  writeFileSync(countsFile, c.stdout);
});

/** Every command that writes data to stdout, with arguments that make it write plenty. */
const STDOUT_WRITERS: [string, string[], string?][] = [
  ['tokenize', ['tokenize', corpusFile]],
  ['vocab', ['vocab', corpusFile]],
  ['ngram count', ['ngram', 'count', '--order', '2', corpusFile]],
  ['ngram merge', ['ngram', 'merge', countsFile, countsFile]],
  ['ngram build', ['ngram', 'build', '--order', '2', '--quiet', corpusFile]],
  ['ngram ppl', ['ngram', 'ppl', '--model', arpa, '--per-token', corpusFile]],
  ['generate', ['generate', '--model', arpa, '--count', '300', '--seed', '1']],
  ['eval', ['eval', '--model', arpa, corpusFile]],
  ['--help', ['--help']],
  ['--version', ['--version']],
];

const FULL = `lmstream: cannot write standard output: no space left on device`;

t.test('stdout on a full device (/dev/full): one line, exit 1, for every command', async (t) => {
  for (const [name, args] of STDOUT_WRITERS) {
    const fd = openSync('/dev/full', 'w');
    const r = run(args, { stdoutFd: fd });
    closeSync(fd);
    t.equal(r.code, 1, `${name}: exit 1`);
    t.same(errorLines(r.stderr), [FULL], `${name}: the one line`);
    clean(t, r);
  }
});

/** A small tmpfs (root only); undefined when it cannot be mounted here. */
function smallDisk(t: Tap.Test, size: string, opts = ''): string | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lmstream-faults-mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${opts}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmdirSync(dir);
    return undefined;
  }
  t.teardown(() => {
    execFileSync('umount', [dir], { stdio: 'ignore' });
    rmdirSync(dir);
  });
  return dir;
}

t.test('a disk that fills part-way: stdout and --out/--arpa never report success on a cut file', async (t) => {
  const disk = smallDisk(t, '16k');
  const cases: [string, string[], string | undefined][] = [
    ['vocab > file', ['vocab', corpusFile], undefined],
    ['ngram build > file', ['ngram', 'build', '--order', '2', '--quiet', corpusFile], undefined],
    ['tokenize > file', ['tokenize', corpusFile], undefined],
    ['vocab --out', ['vocab', corpusFile, '--out'], 'v.json'],
    ['ngram build --arpa', ['ngram', 'build', '--order', '2', '--quiet', corpusFile, '--arpa'], 'lm.arpa'],
  ];
  for (const [name, args, outName] of cases) {
    if (!disk) {
      // no tmpfs here (not root): the same failure through /dev/full
      const fd = openSync('/dev/full', 'w');
      const r = run(outName ? args.slice(0, -1) : args, { stdoutFd: fd });
      closeSync(fd);
      t.equal(r.code, 1, name);
      t.same(errorLines(r.stderr), [FULL], name);
      continue;
    }
    if (outName) {
      const target = path.join(disk, outName);
      const r = run([...args, target]);
      t.equal(r.code, 1, `${name}: exit 1`);
      t.same(errorLines(r.stderr), [`lmstream: cannot write ${target}: no space left on device`], `${name}: names the file`);
      t.notOk(existsSync(target), `${name}: no partial file`);
    } else {
      const target = path.join(disk, 'out');
      const fd = openSync(target, 'w');
      const r = run(args, { stdoutFd: fd });
      closeSync(fd);
      t.equal(r.code, 1, `${name}: exit 1 (the file is cut at 16 KiB)`);
      t.same(errorLines(r.stderr), [FULL], name);
    }
    t.same(temps(disk), [], `${name}: no temp file`);
    for (const f of readdirSync(disk)) execFileSync('rm', ['-rf', path.join(disk, f)]);
  }
});

t.test('ngram build --memory: a full temp directory is one line naming it; no run and no output left', async (t) => {
  const big = path.join(work, 'big.txt');
  writeFileSync(big, corpus.repeat(4)); // 48k tokens: more than one part under 1M, runs of ~1 MB
  const disk = smallDisk(t, '64k');
  // without tmpfs (not root): a temp directory without write permission
  const dir = disk ?? (() => { const d = t.testdir({}); execFileSync('chmod', ['0555', d]); return d; })();
  const out = path.join(work, 'full.arpa');
  const r = run(['ngram', 'build', '--order', '5', '--memory', '1M', '--temp-dir', dir, '--quiet', big, '--arpa', out]);
  t.equal(r.code, 1, 'exit 1');
  t.same(r.stderr.trim().split('\n'), [disk
    ? `lmstream: cannot write sorted runs in the temporary directory ${dir} (--temp-dir): no space left on device`
    : `lmstream: cannot create a temporary directory in ${dir}: permission denied`], 'one line naming the directory, nothing else');
  t.same(readdirSync(dir), [], 'the runs are removed');
  t.notOk(existsSync(out), 'no ARPA file');
  clean(t, r);
});

t.test('a closed pipe (| head) ends quietly with exit 0', async (t) => {
  const big = corpus.repeat(20);
  const cases: [string, string[]][] = [
    ['tokenize', ['tokenize']],
    ['ngram count', ['ngram', 'count', '--order', '2']],
    ['ngram build', ['ngram', 'build', '--order', '2', '--quiet']],
    ['generate', ['generate', '--model', arpa, '--count', '100000', '--seed', '1']],
  ];
  for (const [name, args] of cases) {
    const c = spawn(process.execPath, [cliPath, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    c.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    c.stdin.on('error', () => undefined);
    c.stdin.end(args[0] === 'generate' ? '' : big);
    // read one chunk, then go away like `head -1`
    await new Promise<void>((resolve) => c.stdout.once('data', () => { c.stdout.destroy(); resolve(); }));
    const [code] = await new Promise<[number | null]>((resolve) => c.on('exit', (code) => resolve([code])));
    t.equal(code, 0, `${name}: exit 0`);
    t.same(errorLines(stderr), [], `${name}: no error line`);
  }
});

t.test('stdout that cannot be written (EBADF): one line, exit 1', async (t) => {
  const fd = openSync(corpusFile, 'r'); // read-only: write(2) fails with EBADF
  const r = run(['tokenize', corpusFile], { stdoutFd: fd });
  closeSync(fd);
  t.equal(r.code, 1);
  t.same(errorLines(r.stderr), ['lmstream: cannot write standard output: bad file descriptor']);
});

t.test('read-only output directory: the path and the cause, nothing left behind', async (t) => {
  const ro = smallDisk(t, '1m', ',ro');
  // without tmpfs (not root) a directory without write permission does
  const dir = ro ?? (() => { const d = t.testdir({}); execFileSync('chmod', ['0555', d]); return d; })();
  const cause = ro ? 'read-only file system' : 'permission denied';
  const cases: [string, string[], string][] = [
    ['vocab --out', ['vocab', corpusFile, '--out', path.join(dir, 'v.json')], `lmstream: cannot write ${path.join(dir, 'v.json')}: ${cause}`],
    ['vocab --out in a new subdirectory', ['vocab', corpusFile, '--out', path.join(dir, 'sub', 'v.json')], `lmstream: cannot create ${path.join(dir, 'sub')}: ${cause}`],
    ['ngram build --arpa', ['ngram', 'build', '--order', '2', '--quiet', '--arpa', path.join(dir, 'lm.arpa'), corpusFile], `lmstream: cannot write ${path.join(dir, 'lm.arpa')}: ${cause}`],
  ];
  for (const [name, args, line] of cases) {
    const r = run(args);
    t.equal(r.code, 1, `${name}: exit 1`);
    t.same(errorLines(r.stderr), [line], name);
    clean(t, r);
  }
  t.same(readdirSync(dir), [], 'nothing written');
});

t.test('output paths that do not exist yet, and ones that cannot exist', async (t) => {
  const dir = t.testdir({ file: 'keep me\n', adir: {} });
  const deep = path.join(dir, 'new', 'deeper', 'v.json');
  const ok = run(['vocab', corpusFile, '--out', deep]);
  t.equal(ok.code, 0, 'missing parent directories are created');
  t.equal(JSON.parse(readFileSync(deep, 'utf8')).format, 'lmstream-vocab');
  const under = run(['vocab', corpusFile, '--out', path.join(dir, 'file', 'v.json')]);
  t.equal(under.code, 1);
  t.match(errorLines(under.stderr), [new RegExp(`^lmstream: cannot (create|write) ${path.join(dir, 'file').replace(/[/.]/g, '\\$&')}.*: (not a directory|already exists)$`)]);
  const onDir = run(['vocab', corpusFile, '--out', path.join(dir, 'adir')]);
  t.equal(onDir.code, 1, 'a directory as --out FILE');
  t.same(errorLines(onDir.stderr), [`lmstream: cannot write ${path.join(dir, 'adir')}: is a directory`]);
  t.equal(readFileSync(path.join(dir, 'file'), 'utf8'), 'keep me\n');
  t.same(temps(dir), []);
});

t.test('a regular file as --out of train: refused by name, the file untouched', async (t) => {
  const dir = t.testdir({ 'model.txt': 'not a model\n' });
  const out = path.join(dir, 'model.txt');
  const r = run(['train', '--model', 'lstm', '--hidden', '4', '--embed', '4', '--epochs', '1', '--out', out], { input: 'a b c\nd e f\n' });
  t.not(r.code, 0);
  t.equal(errorLines(r.stderr).length, 1, 'one line');
  t.match(errorLines(r.stderr)[0], out);
  t.equal(readFileSync(out, 'utf8'), 'not a model\n');
  clean(t, r);
});

/** `lmstream --help` commands and `lmstream ngram --help` subcommands. */
function commands(): string[][] {
  const top = run(['--help']).stdout;
  const cmds = [...top.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]);
  const out: string[][] = [];
  for (const c of cmds) {
    if (c === 'ngram') {
      const subs = [...run(['ngram', '--help']).stdout.matchAll(/^ {2}([a-z]+) {2,}[a-z]/gm)].map((m) => m[1]);
      for (const s of new Set(subs)) out.push(['ngram', s]);
    } else out.push([c]);
  }
  return out;
}

/** Options that take a value, from a command's --help: `--name VALUE` (several per line allowed). */
function valueOptions(help: string): string[] {
  const names = new Set<string>();
  for (const line of help.split('\n')) {
    if (!/^\s+(-\w, )?--/.test(line)) continue;
    for (const m of line.matchAll(/--([a-z][a-z0-9-]*)[ =]([A-Z][A-Z0-9]*|a\.b)\b/g)) names.add(`${m[1]} ${m[2]}`);
  }
  return [...names];
}

/** Placeholders for free text and paths: any string is a valid value there. */
const FREE = new Set(['DIR', 'FILE', 'PATH', 'MODEL', 'TEXT', 'TOKEN', 'LIST', 'a.b', 'OUT', 'CKPT', 'PREFIX', 'ADDR']);
/** Options whose one-letter placeholder names a file (`--counts F`). */
const FILE_OPTIONS = new Set(['counts', 'out', 'weights']);

/** Arguments that make each command otherwise valid, so the bad value is what fails. */
function baseArgs(cmd: string[], dir: string): string[] {
  switch (cmd.join(' ')) {
    case 'ngram count': return ['--order', '2'];
    case 'ngram build': return ['--order', '2'];
    case 'ngram ppl': case 'eval': case 'generate': return ['--model', arpa];
    case 'train': return ['--model', 'lstm', '--out', path.join(dir, 'm')];
    case 'reproduce': return ['bengio2003', '--out', path.join(dir, 'r'), '--max-tokens', '100'];
    case 'plot': return [path.join(dir, 'metrics.jsonl')];
    case 'web': return ['--model', path.join(dir, 'no-export')];
    default: return [];
  }
}

t.test('a bad value for any option that takes one: exit 2, one line naming the option', async (t) => {
  const dir = t.testdir({});
  let checked = 0;
  for (const cmd of commands()) {
    const help = run([...cmd, '--help']).stdout;
    for (const spec of valueOptions(help)) {
      const [name, kind] = spec.split(' ');
      if (FREE.has(kind) || FILE_OPTIONS.has(name) || name === 'help') continue;
      const r = run([...cmd, ...baseArgs(cmd, dir), `--${name}`, 'abc'], { input: 'a b c\n', timeout: 60_000 });
      t.equal(r.code, 2, `${cmd.join(' ')} --${name} abc: exit 2 (${r.stderr.trim().split('\n').pop()})`);
      const lines = errorLines(r.stderr);
      t.equal(lines.length, 1, `${cmd.join(' ')} --${name}: one line`);
      t.match(lines[0] ?? '', new RegExp(`--${name}\\b`), `${cmd.join(' ')} --${name}: names the option`);
      clean(t, r);
      checked++;
    }
  }
  t.ok(checked >= 60, `${checked} option values checked`);
  t.same(temps(dir), []);
});

t.test('negative numbers are values: the range error, not "ambiguous"', async (t) => {
  const lr = run(['train', '--model', 'lstm', '--lr', '-1', '--out', path.join(t.testdir({}), 'm')], { input: 'a b\n' });
  t.equal(lr.code, 2);
  t.same(errorLines(lr.stderr), ['lmstream: --lr must be > 0 (got -1)']);
  const temp = run(['generate', '--model', arpa, '--temperature', '-0.5']);
  t.equal(temp.code, 2);
  t.same(errorLines(temp.stderr), ['lmstream: --temperature: -0.5 is below the minimum 0']);
  const missing = run(['ngram', 'build', '--order']);
  t.equal(missing.code, 2);
  t.same(errorLines(missing.stderr), ['lmstream: --order needs a value']);
});

t.test('unknown options: our words, the nearest option, the usage line, exit 2', async (t) => {
  const train = run(['train', '--model', 'lstm', '--hiden', '8']);
  t.equal(train.code, 2);
  const lines = train.stderr.trim().split('\n');
  t.equal(lines[0], 'lmstream: unknown option --hiden (did you mean --hidden?)');
  t.match(lines[1], /^usage: .*\(see --help\)$/);
  t.equal(lines.length, 2);
  for (const cmd of commands()) {
    const r = run([...cmd, '--no-such-option-xyz']);
    t.equal(r.code, 2, `${cmd.join(' ')}: exit 2`);
    t.equal(r.stderr.split('\n')[0], 'lmstream: unknown option --no-such-option-xyz', cmd.join(' '));
    t.match(r.stderr.split('\n')[1], /^usage: .*\(see --help\)$/, `${cmd.join(' ')}: the usage line`);
  }
  const typo = run(['generte']);
  t.equal(typo.code, 2);
  t.same(errorLines(typo.stderr), ["lmstream: unknown command 'generte' (did you mean generate?) (lmstream --help lists the commands)"]);
});

t.test('--version and help COMMAND', async (t) => {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const v = run(['--version']);
  t.equal(v.code, 0);
  t.equal(v.stdout, `lmstream ${version}\n`);
  const tv = run(['--version'], { cli: trainPath });
  t.equal(tv.code, 0);
  t.equal(tv.stdout, `train-stream (lmstream) ${version}\n`);
  const h = run(['help', 'tokenize']);
  t.equal(h.code, 0);
  t.equal(h.stdout, run(['tokenize', '--help']).stdout);
  t.match(h.stdout, /^usage: lmstream tokenize /);
  const hb = run(['help', 'ngram', 'build']);
  t.equal(hb.stdout, run(['ngram', 'build', '--help']).stdout);
});
