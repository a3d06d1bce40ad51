/** A progress bar on a TTY for large loads; silent otherwise (the one-line summary follows). */
import cliProgress from 'cli-progress';

export function progressReporter(stream: NodeJS.WritableStream): { update: (done: number, total: number) => void; stop: () => void } {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total) {
      if (!tty || total < 5 * 1024 * 1024) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ stream: stream as NodeJS.WriteStream, format: 'loading [{bar}] {percentage}% | {value}/{total} MB | eta {eta}s', hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(Math.round(total / 1e6), 0);
      }
      bar.update(Math.round(done / 1e6));
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
