// Runs on every page, as an external module so the Content Security Policy needs no inline script.
// Modules run only in browsers that GOV.UK Frontend supports, so both classes go on together.
import { initAll } from '../govuk/govuk-frontend.min.js'

document.body.className += ' js-enabled govuk-frontend-supported'
initAll()
