import { Writable } from 'node:stream';

/** A log destination that keeps what rolegate writes, line by line, raw and parsed. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  readonly parsed: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      this.lines.push(line);
      this.parsed.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
  entries = () => this.parsed;
}
