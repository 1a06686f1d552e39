import type { Readable } from 'node:stream';

/** Keeps the last lines a child printed, for the report and for error messages. */
export class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly maxLines: number) {}

  follow(stream: Readable | null, label: string): void {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => this.push(chunk, label));
  }

  private push(chunk: string, label: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(label === '' ? line : `${label} ${line}`);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  snapshot(): string[] {
    return this.partial === '' ? [...this.lines] : [...this.lines, this.partial];
  }
}
