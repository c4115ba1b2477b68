// Whether a local port answers: the tests of tunnels and debug agents ask it
// before and after (open while forwarding or debugging, closed after).
import { connect } from 'node:net';

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
