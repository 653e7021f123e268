// The chat's fragment of the config.
import { Bytes, Count, Duration } from '../config/kinds.ts'

export const chatConfig = {
  CHAT_HISTORY: Count(50, 0, 10_000, 'latest chat messages a newcomer gets first'),
  CHAT_MAX_MESSAGE_BYTES: Count(2000, 1, 65_536,
    'longest chat text, in UTF-8 bytes; a frame over six times this plus 1 KiB closes the socket (1009)'),
  CHAT_RATE_PER_10S: Count(20, 1, 10_000, 'chat messages a socket may send in any 10 s; more get an error frame'),
  CHAT_ROOM_RATE_PER_S: Count(50, 0, 1_000_000,
    'chat messages the room takes a second from this process\'s sockets, all senders together; more get an error ' +
    'frame (0: no limit)'),
  CHAT_PRESENCE_INTERVAL_MS: Duration(1000,
    'the shortest time between two presence frames (who joined and left since the last), each to every socket ' +
    '(0: a frame for each join and leave)'),
  CHAT_MAX_SOCKETS_PER_CLIENT: Count(20, 0, 1_000_000,
    'chat sockets one client address may hold open at once; more are refused before the upgrade with 429 (0: no cap)'),
  CHAT_MAX_SOCKETS: Count(10_000, 0, 1_000_000,
    'chat sockets this process holds open at once, about 27 KB each; more are refused before the upgrade with 503 ' +
    '(0: no cap)'),
  CHAT_HEARTBEAT_MS: Duration(30_000,
    'how often each chat socket is pinged; one that has not answered the last ping by then is closed (0: none)'),
  CHAT_MAX_BUFFERED_BYTES: Bytes(1_048_576, 1,
    'bytes a chat socket may hold unsent for a slow client; past it, the client is disconnected')
}
