/**
 * interrupts: how a training run meets SIGINT, SIGTERM and SIGHUP (Ctrl-C,
 * `timeout`, `docker stop`, a closed terminal). Exit codes are 128 + the
 * signal number: 130, 143, 129.
 *
 * - While the input is read (phase 'setup'), the process exits at once
 *   (`onSetupSignal` first; the temp registry of src/util/temp.ts removes the
 *   partial id cache in its exit hook).
 * - While training, the first signal asks the loop to stop: the step in
 *   flight finishes and a checkpoint is written at that batch boundary, then
 *   the command exits with the signal's code. A second signal exits at once,
 *   unless a checkpoint is being written: then the exit waits for the write
 *   to complete, so a checkpoint is never cut in half.
 */

export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;
const SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as StopSignal[];

export interface InterruptOptions {
  log: (msg: string) => void;
  /** synchronous cleanup when a signal comes before training starts */
  onSetupSignal?: (signal: StopSignal) => void;
  /** called before a message is printed (clears a progress bar) */
  beforeLog?: () => void;
  exit?: (code: number) => void;
}

export class Interrupts {
  /** the first signal received, if any */
  signal: StopSignal | null = null;
  phase: 'setup' | 'training' = 'setup';
  private writing = false;
  private exitAfterWrite = false;
  private readonly handlers = new Map<StopSignal, () => void>();
  private readonly exit: (code: number) => void;

  constructor(private readonly opts: InterruptOptions) {
    this.exit = opts.exit ?? ((code) => process.exit(code));
  }

  install(): this {
    for (const s of SIGNALS) {
      const h = () => this.receive(s);
      this.handlers.set(s, h);
      process.on(s, h);
    }
    return this;
  }

  uninstall(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    this.handlers.clear();
  }

  /** a stop was asked for */
  get requested(): boolean {
    return this.signal !== null;
  }

  /** the exit code of the signal received (0 when none) */
  get exitCode(): number {
    return this.signal ? SIGNAL_EXIT_CODES[this.signal] : 0;
  }

  /** the training loop's checkpoint writes (RunOptions.onCheckpoint) */
  checkpointWriting = (writing: boolean): void => {
    this.writing = writing;
    if (!writing && this.exitAfterWrite) {
      this.opts.log('checkpoint complete; exiting');
      this.exit(this.exitCode);
    }
  };

  receive(s: StopSignal): void {
    this.opts.beforeLog?.();
    if (this.phase === 'setup') {
      this.signal ??= s;
      this.opts.log(`${s} while reading the input: stopping, nothing to resume`);
      this.opts.onSetupSignal?.(s);
      this.exit(SIGNAL_EXIT_CODES[s]);
      return;
    }
    if (this.signal === null) {
      this.signal = s;
      this.opts.log(`${s}: writing a checkpoint after this step (signal again to quit at once)`);
      return;
    }
    if (this.writing) {
      this.exitAfterWrite = true;
      this.opts.log(`${s}: a checkpoint is being written; exiting as soon as it is complete`);
      return;
    }
    this.opts.log(`${s} again: exiting without a new checkpoint (the last one stays)`);
    this.exit(this.exitCode);
  }
}
