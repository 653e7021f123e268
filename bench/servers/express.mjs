// The Express 5 peer: the seed's three routes, as an Express user would write them.
import { setTimeout as sleep } from 'node:timers/promises'
import express from 'express'

const app = express()

app.get('/', async (request, response) => {
  await sleep(1000)
  response.send('Hello from async Flask!')
})
app.get('/wait', async (request, response) => {
  await sleep(2000)
  response.send('Waited 2 seconds!')
})
app.get('/sync', (request, response) => {
  response.send('This is a normal sync route.')
})

const server = app.listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => server.close())
