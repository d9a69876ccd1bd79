// Pan and zoom for the data map's inline SVG, by changing its viewBox (no inline styles, so the
// Content Security Policy needs no 'unsafe-inline'). Without JavaScript the map is still there,
// scaled to the page, with the table of connections below it and downloads at full size.
//
// Controls: the Zoom in, Zoom out and Reset buttons this script adds; Ctrl (or Cmd) and the mouse
// wheel; dragging to pan; and, with the map focused, + and - to zoom, arrow keys to pan, 0 to reset.

const STEP = 1.25
const MIN_SCALE = 1
const MAX_SCALE = 12

function parseViewBox (svg) {
  const parts = (svg.getAttribute('viewBox') || '').trim().split(/[\s,]+/).map(Number)
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n)) || parts[2] <= 0 || parts[3] <= 0) {
    return null
  }
  return { x: parts[0], y: parts[1], width: parts[2], height: parts[3] }
}

function button (text, label) {
  const el = document.createElement('button')
  el.type = 'button'
  el.className = 'govuk-button govuk-button--secondary govuk-!-margin-right-2 govuk-!-margin-bottom-2'
  el.textContent = text
  el.setAttribute('aria-label', label)
  return el
}

function initMap (container) {
  const svg = container.querySelector('svg')
  if (!svg) return
  const home = parseViewBox(svg)
  if (!home) return
  let view = { ...home }

  const apply = () => {
    svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.width} ${view.height}`)
  }

  const zoom = (factor, cx = view.x + view.width / 2, cy = view.y + view.height / 2) => {
    const scale = home.width / (view.width / factor)
    if (scale < MIN_SCALE || scale > MAX_SCALE) {
      if (factor < 1) { view = { ...home }; apply() }
      return
    }
    view = {
      x: cx - (cx - view.x) / factor,
      y: cy - (cy - view.y) / factor,
      width: view.width / factor,
      height: view.height / factor
    }
    apply()
  }

  const pan = (dx, dy) => {
    view.x += dx
    view.y += dy
    apply()
  }

  const reset = () => { view = { ...home }; apply() }

  // The point of the drawing under a pointer event, in viewBox units.
  const toDrawing = (event) => {
    const box = svg.getBoundingClientRect()
    return {
      x: view.x + ((event.clientX - box.left) / box.width) * view.width,
      y: view.y + ((event.clientY - box.top) / box.height) * view.height
    }
  }

  const controls = document.createElement('div')
  controls.className = 'app-map__controls'
  const zoomIn = button('Zoom in', 'Zoom in on the map')
  const zoomOut = button('Zoom out', 'Zoom out of the map')
  const resetButton = button('Reset', 'Show the whole map')
  zoomIn.addEventListener('click', () => zoom(STEP))
  zoomOut.addEventListener('click', () => zoom(1 / STEP))
  resetButton.addEventListener('click', reset)
  controls.append(zoomIn, zoomOut, resetButton)
  container.parentNode.insertBefore(controls, container)

  svg.addEventListener('wheel', (event) => {
    if (!(event.ctrlKey || event.metaKey)) return // plain scrolling still scrolls the page
    event.preventDefault()
    const point = toDrawing(event)
    zoom(event.deltaY < 0 ? STEP : 1 / STEP, point.x, point.y)
  }, { passive: false })

  let drag = null
  let moved = false
  svg.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return
    drag = { x: event.clientX, y: event.clientY }
    moved = false
  })
  svg.addEventListener('pointermove', (event) => {
    if (!drag) return
    const dx = event.clientX - drag.x
    const dy = event.clientY - drag.y
    if (!moved && Math.hypot(dx, dy) < 4) return
    if (!moved) svg.setPointerCapture(event.pointerId)
    moved = true
    const box = svg.getBoundingClientRect()
    pan(-dx * view.width / box.width, -dy * view.height / box.height)
    drag = { x: event.clientX, y: event.clientY }
  })
  const endDrag = () => { drag = null }
  svg.addEventListener('pointerup', endDrag)
  svg.addEventListener('pointercancel', endDrag)
  // A drag that ends on a node or edge must not follow its link.
  svg.addEventListener('click', (event) => {
    if (moved) {
      event.preventDefault()
      moved = false
    }
  }, true)

  container.addEventListener('keydown', (event) => {
    if (event.target !== container) return
    const step = view.width / 10
    const actions = {
      '+': () => zoom(STEP),
      '=': () => zoom(STEP),
      '-': () => zoom(1 / STEP),
      0: reset,
      ArrowLeft: () => pan(-step, 0),
      ArrowRight: () => pan(step, 0),
      ArrowUp: () => pan(0, -step),
      ArrowDown: () => pan(0, step)
    }
    const action = actions[event.key]
    if (action) {
      event.preventDefault()
      action()
    }
  })
  container.setAttribute('tabindex', '0')
  container.setAttribute('aria-describedby', 'map-panzoom-help')
  const help = document.createElement('p')
  help.id = 'map-panzoom-help'
  help.className = 'govuk-body-s'
  help.textContent = 'Drag to move the map. Zoom with the buttons, Ctrl and the mouse wheel, or, with the map selected, the + and - keys (arrow keys move it, 0 resets).'
  container.parentNode.insertBefore(help, container)
}

document.querySelectorAll('[data-module="app-map-panzoom"]').forEach(initMap)
