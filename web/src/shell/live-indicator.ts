/**
 * The shell's live-updates indicator, pure. The WebSocket is lazy: it opens with a screen's first
 * subscription and the client closes it normally (code 1000) when the last one ends — on a screen
 * without live data there is nothing to connect or reconnect. Any other close is a lost connection
 * the client retries.
 */
export type SocketState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/** The state after the socket closed with `code` (1000: closed on purpose, nothing subscribed). */
export function afterClose(code: number | undefined): SocketState {
  return code === 1000 ? 'idle' : 'reconnecting';
}

export function indicatorText(state: SocketState): string {
  switch (state) {
    case 'connected':
      return 'Live updates on';
    case 'connecting':
      return 'Connecting live updates…';
    case 'reconnecting':
      return 'Live updates reconnecting…';
    default:
      return '';
  }
}
