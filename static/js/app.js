// Runs on every page, as an external module so the Content Security Policy needs no inline script.
// Modules run only in browsers that GOV.UK Frontend supports, so both classes go on together.
import {
  Accordion,
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  Radios as GovukRadios,
  ServiceNavigation,
  SkipLink,
  Tabs,
  createAll
} from '../govuk/govuk-frontend.min.js'

// GOV.UK's radios put aria-expanded on a radio that reveals a conditional question. ARIA does
// not allow the attribute on a radio (axe: aria-allowed-attr, critical), so these radios keep
// GOV.UK's reveal and its aria-controls, and leave the state to the radio's own "checked".
class Radios extends GovukRadios {
  syncConditionalRevealWithInputState ($input) {
    super.syncConditionalRevealWithInputState($input)
    $input.removeAttribute('aria-expanded')
  }
}

// The same for checkboxes that reveal a question.
class CheckboxesWithoutExpanded extends Checkboxes {
  syncConditionalRevealWithInputState ($input) {
    super.syncConditionalRevealWithInputState($input)
    $input.removeAttribute('aria-expanded')
  }
}

document.body.className += ' js-enabled govuk-frontend-supported'
for (const Component of [
  Accordion,
  Button,
  CharacterCount,
  CheckboxesWithoutExpanded,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
  Tabs
]) {
  createAll(Component)
}
