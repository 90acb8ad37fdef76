// The appeal editor's live preview. Progressive enhancement only: without this file the form's
// Preview button shows the same checks and previews, from the same server template.
//
// A pause of DELAY ms in typing posts the form (its CSRF token included) to the URL named by
// data-preview-url. The answer replaces the checks (a polite live region, announced when it
// changes), the previews (each part only when it changed, so the web page frame does not
// reload needlessly) and the findings beside each field. Focus never moves, and an answer to an
// older request than the latest is dropped.
const form = document.getElementById('editor-form')
const DELAY = 500

let timer = 0
let latest = 0
let controller = null

function imported (nodes) {
  return Array.from(nodes, (node) => document.importNode(node, true))
}

// Replace the children of `target` by `nodes`, giving focus back to the element that had it
// (by id) if it was inside.
function replaceKeepingFocus (target, nodes) {
  const active = document.activeElement
  const focusedId = active && active !== document.body && target.contains(active) ? active.id : ''
  target.replaceChildren(...nodes)
  if (focusedId) {
    const again = document.getElementById(focusedId)
    if (again) again.focus({ preventScroll: true })
  }
}

function updateChecks (fresh) {
  const region = document.getElementById('editor-checks')
  const answer = fresh.getElementById('editor-checks')
  if (region && answer && region.innerHTML !== answer.innerHTML) {
    // The region stays in the page (a live region must exist before it changes to be read).
    replaceKeepingFocus(region, imported(answer.childNodes))
  }
}

function updatePreviews (fresh) {
  const shown = document.getElementById('editor-previews')
  const answer = fresh.getElementById('editor-previews')
  if (!shown || !answer) return
  const ids = (element) => Array.from(element.children, (child) => child.id).join(' ')
  if (ids(shown) !== ids(answer)) {
    replaceKeepingFocus(shown, imported(answer.childNodes))
    return
  }
  Array.from(answer.children).forEach((part, index) => {
    const old = shown.children[index]
    if (old.outerHTML !== part.outerHTML) replaceKeepingFocus(old, imported(part.childNodes))
  })
}

function updateFindings (fresh) {
  for (const template of fresh.querySelectorAll('template[data-findings-for]')) {
    const name = template.dataset.findingsFor
    const slot = document.querySelector(`[data-findings-slot="${CSS.escape(name)}"]`)
    if (slot && slot.innerHTML !== template.innerHTML) {
      replaceKeepingFocus(slot, [document.importNode(template.content, true)])
    }
  }
}

async function refresh () {
  const mine = ++latest
  if (controller) controller.abort()
  controller = new AbortController()
  let html
  try {
    const response = await fetch(form.dataset.previewUrl, {
      method: 'POST',
      body: new FormData(form),
      credentials: 'same-origin',
      headers: { Accept: 'text/html' },
      redirect: 'error', // signed out: the sign-in page is no preview
      cache: 'no-store',
      signal: controller.signal
    })
    // 422: the form cannot be read yet, and the answer says what it needs.
    if (!response.ok && response.status !== 422) return
    html = await response.text()
  } catch (error) {
    return // a newer request took over, or the network is down: keep what is shown
  }
  if (mine !== latest) return
  const fresh = new DOMParser().parseFromString(html, 'text/html')
  updateChecks(fresh)
  updatePreviews(fresh)
  updateFindings(fresh)
  form.dataset.previewed = String(mine)
}

function schedule () {
  window.clearTimeout(timer)
  timer = window.setTimeout(refresh, DELAY)
}

if (form && form.dataset.previewUrl) {
  form.addEventListener('input', schedule)
  form.addEventListener('change', schedule)
}
