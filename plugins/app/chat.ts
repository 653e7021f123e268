// fastify.chat: the chat room behind GET /chat, shared by every replica through Redis with REDIS_URL (else in this
// process). What the room shares is the hub's; what each socket does, here.
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { WebSocket } from 'ws'
import { maxFrameBytes, readFrame, type FrameProblem } from '../../src/chat/client-frames.ts'
import type { Listener } from '../../src/chat/port.ts'
import { CloseCode, SERVER_STOPPING } from '../../src/chat/close-codes.ts'
import { createChatHub } from '../../src/chat/index.ts'
import { RoomGate } from '../../src/chat/room-gate.ts'
import { Presence } from '../../src/chat/presence.ts'
import { errorFrame } from '../../src/chat/room-frames.ts'
import { ClientCaps } from '../../src/http/client-caps.ts'
import { Outbox } from '../../src/lib/outbox.ts'
import { TokenBucket } from '../../src/lib/token-bucket.ts'

/** What a client is told while Redis, which carries the room, is unreachable. */
const UNAVAILABLE = 'the chat is unavailable for now; retry later'

/** The window of the limits on messages and on errors. */
const WINDOW_MS = 10_000

/**
 * A socket that gets more error frames than this in any 10 s (a token bucket, as the limit on messages) is closed with
 * 1008: a constant, not a setting, since a client that heeds its error frames never comes near it.
 */
const MAX_ERRORS_PER_WINDOW = 10

/**
 * Why a frame was refused, or a socket closed for what it sent, as chat_errors_total counts it; `unavailable`: a
 * message not sent, or a newcomer closed, as the room could not be reached (Redis); `room_busy`: a message refused as
 * the room takes no more for now (CHAT_ROOM_RATE_PER_S, or its sends waiting).
 */
type ErrorReason = FrameProblem | 'rate_limited' | 'frame_too_large' | 'abuse' | 'unavailable' | 'room_busy'
const ERROR_REASONS: ErrorReason[] = [
  'invalid_json', 'invalid_frame', 'unknown_type', 'too_long', 'binary', 'rate_limited', 'frame_too_large', 'abuse',
  'unavailable', 'room_busy'
]

interface Member {
  readonly name: string
  /** What the hub hands this socket's frames to. */
  readonly listener: Listener
  /** Whether its history has come (the hub's first frame): presence frames go to it from then on. */
  inRoom: boolean
  /** Whether it is to be closed for what it sent: what it sends from then on goes unread. */
  closing: boolean
  /** Whether it answered the last ping. */
  alive: boolean
  readonly messageLimit: TokenBucket
  readonly errorLimit: TokenBucket
}

export interface ChatRoom {
  /**
   * Lets `request`, an upgrade to the room, through, or refuses it before the upgrade: 429 when its client holds
   * CHAT_MAX_SOCKETS_PER_CLIENT sockets already, 503 when the process holds CHAT_MAX_SOCKETS. What it lets through
   * counts until its connection closes.
   */
  admit: (request: FastifyRequest) => void
  /**
   * Seats `socket` in the room under `name` (two sockets may share one): it gets the history, then everyone its join.
   * It leaves when it closes, whoever closes it, and `log` gets a line saying how. Once the service drains, the socket
   * is closed at once; while the room cannot be reached (Redis), with 1013 and a reason.
   */
  join: (socket: WebSocket, name: string, log: FastifyBaseLogger) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    chat: ChatRoom
  }
}

export default fp(async (fastify) => {
  const { config, shutdown, redis } = fastify
  const maxTextBytes = config.CHAT_MAX_MESSAGE_BYTES
  const frameLimit = maxFrameBytes(maxTextBytes)
  /** This process's sockets in the room. */
  const members = new Map<WebSocket, Member>()
  const presence = new Presence({
    intervalMs: config.CHAT_PRESENCE_INTERVAL_MS,
    send: (frame) => {
      for (const [socket, member] of members) if (member.inRoom) outbox.send(socket, frame)
    }
  })
  const hub = await createChatHub({
    historySize: config.CHAT_HISTORY,
    presence: (change) => { presence.change(change) }
  }, redis?.parts('chat'))

  const { metrics } = fastify
  metrics.gauge('chat_connections_open', "This process's sockets in the chat room", () => members.size)
  const messagesBroadcast =
    metrics.counter('chat_messages_total', "Chat messages broadcast from this process's sockets")
  const dropped = metrics.counter('chat_clients_dropped_total', 'Chat sockets cut off for reading too slowly')
  const caps = new ClientCaps({
    perClient: config.CHAT_MAX_SOCKETS_PER_CLIENT,
    total: config.CHAT_MAX_SOCKETS,
    what: 'chat sockets',
    refused: metrics.countedBy('chat_sockets_refused_total',
      'Chat sockets refused before the upgrade: their client held its cap (per_client), or the service did (total)',
      'reason', ['per_client', 'total'])
  })
  const counted = metrics.countedBy('chat_errors_total',
    'Chat frames refused, and sockets closed for what they sent, by reason', 'reason', ERROR_REASONS)

  /**
   * Sends `data` to `socket` if it is open. A client that lets more than CHAT_MAX_BUFFERED_BYTES pile up unread is cut
   * off (without a close frame, which would queue behind the rest) and leaves.
   */
  function sendData (socket: WebSocket, data: string): void {
    if (socket.readyState !== socket.OPEN) return
    socket.send(data)
    if (socket.bufferedAmount <= config.CHAT_MAX_BUFFERED_BYTES) return
    dropped.inc()
    fastify.log.warn({ bufferedBytes: socket.bufferedAmount }, 'chat socket dropped: its client reads too slowly')
    socket.terminate()
  }

  /** A close for what a socket sent, after the frames it was sent before. */
  interface Closing { code: number, reason: string }
  // Everything to a socket goes through it, a bounded number a turn, in order: an error frame after the messages
  // before it, and a close for abuse after the error frames.
  const outbox = new Outbox<WebSocket, string | Closing>((socket, item) => {
    if (typeof item === 'string') sendData(socket, item)
    else socket.close(item.code, item.reason)
  })
  const gate = new RoomGate(config.CHAT_ROOM_RATE_PER_S, () => outbox.waiting)

  /** Sends an error frame saying `message` to one socket. */
  function sendError (socket: WebSocket, message: string): void {
    outbox.send(socket, errorFrame(message))
  }

  /** Tells the sender what was wrong; closes it instead once it has been told too often. */
  function refuse (socket: WebSocket, member: Member, reason: ErrorReason, message: string): void {
    counted[reason].inc()
    if (member.errorLimit.take()) return sendError(socket, message)
    counted.abuse.inc()
    member.closing = true
    outbox.send(socket, {
      code: CloseCode.POLICY_VIOLATION,
      reason: `more than ${MAX_ERRORS_PER_WINDOW} bad frames in 10 s`
    })
  }

  function receive (socket: WebSocket, member: Member, data: Buffer, isBinary: boolean): void {
    // Frames that arrive after the socket began to close, or was to be closed, go unread.
    if (socket.readyState !== socket.OPEN || member.closing) return
    if (data.length > frameLimit) {
      counted.frame_too_large.inc()
      socket.close(CloseCode.MESSAGE_TOO_BIG, `frame is ${data.length} bytes; at most ${frameLimit}`)
      return
    }
    const frame = readFrame(data, isBinary, maxTextBytes)
    if ('problem' in frame) return refuse(socket, member, frame.problem, frame.message)
    if (!member.messageLimit.take()) {
      return refuse(socket, member, 'rate_limited', `at most ${config.CHAT_RATE_PER_10S} messages per 10 s`)
    }
    // The room's limit is not the sender's fault: told, but not counted against it as a bad frame is.
    const busy = gate.refusal()
    if (busy !== undefined) {
      counted.room_busy.inc()
      return sendError(socket, `message not sent: ${busy}`)
    }
    // Nor is a room that cannot be reached: at once while Redis counts as down, else once the hub fails.
    const notSent = (): void => {
      counted.unavailable.inc()
      sendError(socket, `message not sent: ${UNAVAILABLE}`)
    }
    if (redis?.up === false) return notSent()
    hub.say(member.name, frame.text).then(() => { messagesBroadcast.inc() }, notSent)
  }

  fastify.decorate('chat', {
    admit (request) {
      const { ip: client } = request
      caps.admit(client)
      // The socket closes whatever becomes of the upgrade: refused, or a WebSocket that ends.
      request.raw.socket.once('close', () => { caps.release(client) })
    },
    join (socket, name, log) {
      if (shutdown.draining.aborted) {
        socket.close(CloseCode.GOING_AWAY, SERVER_STOPPING)
        return
      }
      const member: Member = {
        name,
        listener: (data) => {
          member.inRoom = true
          outbox.send(socket, data)
        },
        inRoom: false,
        closing: false,
        alive: true,
        messageLimit: new TokenBucket(config.CHAT_RATE_PER_10S, WINDOW_MS),
        errorLimit: new TokenBucket(MAX_ERRORS_PER_WINDOW, WINDOW_MS)
      }
      members.set(socket, member)
      // ws's default binaryType: each frame is one Buffer.
      socket.on('message', (data, isBinary) => { receive(socket, member, data as Buffer, isBinary) })
      socket.on('pong', () => { member.alive = true })
      const joinedAt = performance.now()
      socket.on('close', (code, reason) => {
        members.delete(socket)
        // The socket's access line: its upgrade has none, as it ends only now.
        log.info({
          name,
          code,
          reason: reason.toString(),
          durationMs: Math.round(performance.now() - joinedAt)
        }, 'chat socket closed')
        void hub.leave(member.listener)
      })
      const turnedAway = (): void => {
        counted.unavailable.inc()
        socket.close(CloseCode.TRY_AGAIN_LATER, UNAVAILABLE)
      }
      // At once while Redis counts as down, else once the hub fails.
      if (redis?.up === false) {
        turnedAway()
        return
      }
      hub.join(name, member.listener).catch(turnedAway)
    }
  } satisfies ChatRoom)

  // One timer for the whole room: a socket that has not answered the last ping by the next is terminated (and leaves).
  const heartbeat = config.CHAT_HEARTBEAT_MS === 0
    ? undefined
    : setInterval(() => {
      for (const [socket, member] of members) {
        if (!member.alive) {
          socket.terminate()
          continue
        }
        member.alive = false
        socket.ping()
      }
    }, config.CHAT_HEARTBEAT_MS).unref()

  // In the app, @fastify/websocket's preClose (plugins/external/websocket.ts) runs first and closes these sockets the
  // same way; the room does not count on it.
  shutdown.draining.addEventListener('abort', () => {
    clearInterval(heartbeat)
    presence.stop()
    for (const socket of members.keys()) socket.close(CloseCode.GOING_AWAY, SERVER_STOPPING)
  })

  // Before the Redis connections close (registered after them): the hub's reader stops first.
  fastify.addHook('onClose', async () => {
    presence.stop()
    await hub.close()
  })
}, { name: 'chat', dependencies: ['config', 'shutdown', 'metrics', 'redis'] })
