# The seed's app, as the tutorial writes it: the Flask peer for the side-by-side check and the benchmarks.
from flask import Flask
import asyncio

app = Flask(__name__)

@app.route('/')
async def index():
    await asyncio.sleep(1)
    return 'Hello from async Flask!'

@app.route('/wait')
async def wait():
    await asyncio.sleep(2)
    return 'Waited 2 seconds!'

@app.route('/sync')
def sync_route():
    return 'This is a normal sync route.'

if __name__ == '__main__':
    import sys
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    app.run(port=port, debug=False, use_reloader=False)
