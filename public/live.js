// The live page's behaviour: the updates of GET /events (server-sent events) and the chat of GET /chat (a WebSocket),
// each reconnecting by itself. Whatever the server sends reaches the page as text (textContent), never as markup.

/** The updates the panel keeps, and the chat lines. */
const MAX_UPDATES = 20
const MAX_CHAT_LINES = 200
/** The names GET /chat accepts. */
const NAME = /^[A-Za-z0-9_-]{1,32}$/
/** Closes after which the chat does not reconnect (the server refused what this page sent), and what they mean. */
const FINAL_CLOSES = new Map([[1008, 'policy violation'], [1009, 'message too large']])

/** Reconnection delays: 0.5 s, doubling up to 10 s; reset() after a good connection starts over. */
function backoff () {
  let next = 500
  return {
    delay () {
      const delay = next
      next = Math.min(next * 2, 10_000)
      return delay
    },
    reset () { next = 500 }
  }
}

const byId = (id) => document.getElementById(id)

function setStatus (element, state, text) {
  element.dataset.state = state
  element.textContent = text
}

/** An element of `tag` with `className`, holding `text`. */
function textElement (tag, className, text) {
  const element = document.createElement(tag)
  element.className = className
  element.textContent = text
  return element
}

/** A <time> for an ISO time, shown as the reader's local time of day. */
function timeElement (iso) {
  const time = document.createElement('time')
  time.dateTime = iso
  time.textContent = new Date(iso).toLocaleTimeString()
  return time
}

function startFeed () {
  const status = byId('feed-status')
  const list = byId('updates')
  const waiting = byId('updates-waiting')
  const delays = backoff()

  const add = (item) => {
    // The panel is empty no more: what it said while it was goes.
    waiting.hidden = true
    list.prepend(item)
    while (list.children.length > MAX_UPDATES) list.lastElementChild.remove()
  }

  /** The last update shown: a new EventSource of this page's own sends it as ?lastEventId, to get what it missed. */
  let lastSeq

  const connect = () => {
    const source = new EventSource(lastSeq === undefined ? '/events' : `/events?lastEventId=${lastSeq}`)
    source.addEventListener('open', () => {
      delays.reset()
      setStatus(status, 'open', 'connected')
      waiting.textContent = 'Connected; waiting for the first update…'
    })
    source.addEventListener('update', (event) => {
      const { seq, at, latencyMs, ok, error } = JSON.parse(event.data)
      lastSeq = seq
      const item = document.createElement('li')
      item.dataset.seq = String(seq)
      item.dataset.ok = String(ok)
      item.append(textElement('span', 'seq', `#${seq}`), ' ', timeElement(at), ' ',
        textElement('span', 'result', ok ? `answered in ${latencyMs} ms` : `failed: ${error}`))
      add(item)
    })
    source.addEventListener('lost', (event) => {
      const { missed } = JSON.parse(event.data)
      // null: the server restarted meanwhile, and cannot tell how many.
      const text = missed === null
        ? 'some updates missed while the server restarted'
        : `${missed} updates missed while disconnected`
      const item = textElement('li', 'notice', text)
      item.dataset.kind = 'lost'
      add(item)
    })
    source.addEventListener('shutdown', (event) => {
      const { reason } = JSON.parse(event.data)
      setStatus(status, 'stopping', `the server is stopping (${reason}); reconnecting…`)
    })
    source.addEventListener('error', () => {
      // EventSource reconnects by itself, unless a reconnect was refused (a 503 while the server stops): then it
      // gives up for good, and this page tries again.
      if (source.readyState === EventSource.CONNECTING) {
        // A stop the server announced stays on show while it lasts.
        if (status.dataset.state !== 'stopping') setStatus(status, 'reconnecting', 'reconnecting…')
        return
      }
      const delay = delays.delay()
      setStatus(status, 'reconnecting', `disconnected; trying again in ${delay / 1000} s`)
      setTimeout(connect, delay)
    })
  }
  connect()
}

function startChat () {
  const status = byId('chat-status')
  const online = byId('chat-online')
  const problem = byId('chat-error')
  const list = byId('messages')
  const nameInput = byId('chat-name')
  const joinButton = byId('chat-join')
  const leaveButton = byId('chat-leave')
  const textInput = byId('chat-text')
  const sendButton = byId('chat-send')
  const delays = backoff()
  /**
   * The messages shown, by id and time (a restarted server counts its ids again): the history a reconnect brings adds
   * only those missed meanwhile.
   */
  const shown = new Set()
  /** The name joined with, undefined when not joined. */
  let name
  let socket
  let retry

  const showProblem = (text) => {
    problem.textContent = text
    problem.hidden = text === ''
  }

  /** How many are in the chat, as the history and the last presence frame said; undefined when not connected. */
  const setOnline = (count) => {
    online.dataset.online = count === undefined ? '' : String(count)
    online.textContent = count === undefined ? '' : `(${count} online)`
  }

  const setJoined = (joined) => {
    nameInput.disabled = joined
    joinButton.disabled = joined
    leaveButton.disabled = !joined
  }

  const setOpen = (open) => {
    textInput.disabled = !open
    sendButton.disabled = !open
    // Focus was on a control that has just been disabled (Join, or the message box of a lost connection).
    if (open && (document.activeElement === null || document.activeElement === document.body)) textInput.focus()
  }

  const addLine = (item) => {
    list.append(item)
    while (list.children.length > MAX_CHAT_LINES) {
      shown.delete(list.firstElementChild.dataset.key)
      list.firstElementChild.remove()
    }
    list.scrollTop = list.scrollHeight
  }

  const addMessage = ({ id, from, text, at }) => {
    const key = `${id} ${at}`
    if (shown.has(key)) return
    shown.add(key)
    const item = document.createElement('li')
    item.dataset.kind = 'message'
    item.dataset.key = key
    item.dataset.from = from
    if (from === name) item.dataset.own = 'true'
    item.append(timeElement(at), ' ', textElement('strong', 'from', from), ' ', textElement('span', 'text', text))
    addLine(item)
  }

  /** "ann, bob and 3 others": the names a presence frame lists, and how many there were in all. */
  const people = (names, count) => {
    const others = count - names.length
    return others === 0 ? names.join(', ') : `${names.join(', ')} and ${others} other${others === 1 ? '' : 's'}`
  }

  const addPresence = ({ joined, joinedCount, left, leftCount, at, online: count }) => {
    const item = document.createElement('li')
    item.dataset.kind = 'presence'
    item.dataset.joined = joined.join(' ')
    item.dataset.left = left.join(' ')
    const notice = []
    if (joinedCount > 0) notice.push(`${people(joined, joinedCount)} joined`)
    if (leftCount > 0) notice.push(`${people(left, leftCount)} left`)
    item.append(timeElement(at), ' ', textElement('span', 'notice', notice.join('; ')))
    addLine(item)
    setOnline(count)
  }

  const receive = (frame) => {
    switch (frame.type) {
      case 'history':
        // The server took this connection: the next loss starts over from the shortest delay.
        delays.reset()
        for (const message of frame.messages) addMessage(message)
        setOnline(frame.online)
        break
      case 'presence':
        addPresence(frame)
        break
      case 'message':
        addMessage(frame)
        break
      case 'error':
        showProblem(frame.message)
        break
    }
  }

  const closed = ({ code, reason }) => {
    socket = undefined
    setOpen(false)
    setOnline(undefined)
    if (name === undefined) return
    if (FINAL_CLOSES.has(code)) {
      name = undefined
      setJoined(false)
      setStatus(status, 'closed', 'disconnected by the server')
      showProblem(`The server closed the chat: ${reason === '' ? FINAL_CLOSES.get(code) : reason}`)
      return
    }
    const delay = delays.delay()
    const why = code === 1001 ? 'the server is stopping' : 'disconnected'
    setStatus(status, 'reconnecting', `${why}; trying again in ${delay / 1000} s`)
    retry = setTimeout(connect, delay)
  }

  const connect = () => {
    const url = new URL('/chat', location.href)
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
    url.searchParams.set('name', name)
    const current = new WebSocket(url)
    socket = current
    setStatus(status, 'connecting', 'connecting…')
    // Events of a socket left behind (by Leave) change nothing.
    current.addEventListener('open', () => {
      if (current !== socket) return
      setStatus(status, 'online', `joined as ${name}`)
      setOpen(true)
    })
    current.addEventListener('message', (event) => { if (current === socket) receive(JSON.parse(event.data)) })
    current.addEventListener('close', (event) => { if (current === socket) closed(event) })
  }

  byId('join-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const wanted = nameInput.value.trim()
    if (!NAME.test(wanted)) {
      showProblem('A name is 1 to 32 letters, digits, _ or -.')
      return
    }
    showProblem('')
    name = wanted
    delays.reset()
    setJoined(true)
    connect()
  })

  leaveButton.addEventListener('click', () => {
    name = undefined
    clearTimeout(retry)
    socket?.close(1000)
    socket = undefined
    setOpen(false)
    setJoined(false)
    setOnline(undefined)
    setStatus(status, 'offline', 'not joined')
    nameInput.focus()
  })

  byId('send-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const text = textInput.value.trim()
    if (text === '' || socket?.readyState !== WebSocket.OPEN) return
    showProblem('')
    socket.send(JSON.stringify({ type: 'message', text }))
    textInput.value = ''
  })
}

startFeed()
startChat()
