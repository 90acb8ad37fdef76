// The operations dashboard refreshes its figures without a full reload: it polls the JSON
// endpoint named by data-status-url every few seconds. Without JavaScript the page is the same,
// with a Reload link.
const root = document.getElementById('operations-status')
const PERIOD = 5000

function set (name, value) {
  for (const node of document.querySelectorAll(`[data-op="${name}"]`)) {
    node.textContent = String(value)
  }
}

async function refresh () {
  try {
    const response = await fetch(root.dataset.statusUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store'
    })
    if (!response.ok) return
    const data = await response.json()
    for (const name of ['at', 'last_tick', 'workers', 'depth', 'due_soon', 'overdue',
      'attention', 'published_last_hour', 'p50', 'p99']) {
      set(name, data[name])
    }
    set('health', data.healthy ? 'all is well' : 'needs attention')
    const list = document.querySelector('[data-op="problems"]')
    if (list) {
      list.replaceChildren(...data.problems.map((text) => {
        const item = document.createElement('li')
        item.textContent = text
        return item
      }))
    }
    for (const cell of document.querySelectorAll('[data-count]')) {
      cell.textContent = String(data.counts[cell.dataset.count] ?? 0)
    }
    for (const cell of document.querySelectorAll('[data-total]')) {
      cell.textContent = String(data.totals[cell.dataset.total] ?? 0)
    }
    root.dataset.refreshed = data.at
  } catch (error) {
    // The network is down or the session ended: keep the figures shown, try again later.
  }
}

if (root && root.dataset.statusUrl) {
  setInterval(refresh, PERIOD)
}
