// Progressive enhancement of the flow form: show only the questions that apply to the answers
// given so far. Without this script every question is on the page, with a hint saying when it
// applies, and the server accepts the same answers either way. Nothing here clears an answer:
// a hidden question keeps what was chosen, and anything already ticked stays visible.
//
// - The Art 9(2) question appears when special category data is chosen under the UK GDPR.
// - The Schedule 1 conditions follow the Art 9 condition ((b) para 1, (h) 2, (i) 3, (j) 4,
//   (g) Part 2) and criminal offence data (Parts 1 to 3), as DPA 2018 s10 requires.
// - The law-enforcement questions and the Annex 1 question are GOV.UK conditional reveals.

const form = document.getElementById('flow-form')

if (form) {
  const special = new Set((form.dataset.specialCategories || '').split(' ').filter(Boolean))
  const criminal = new Set((form.dataset.criminalCategories || '').split(' ').filter(Boolean))
  const specialSection = document.getElementById('special-category-section')
  const schedule1Section = document.getElementById('schedule1-section')
  const guide = document.getElementById('schedule1-guide')
  const criminalOnly = schedule1Section ? schedule1Section.querySelector('[data-flow-section="criminal"]') : null
  const needsHolder = form.querySelector('[data-article9-needs]')
  const needs = needsHolder ? JSON.parse(needsHolder.dataset.article9Needs) : {}

  const checkedValues = (name) =>
    Array.from(form.querySelectorAll(`input[name="${name}"]:checked`)).map((input) => input.value)
  const chosen = (name) => {
    const input = form.querySelector(`input[name="${name}"]:checked`)
    return input ? input.value : ''
  }
  // A class, not the hidden attribute: GOV.UK's own display rules would override [hidden].
  const show = (element, visible) => {
    if (element) element.classList.toggle('govuk-!-display-none', !visible)
  }

  const describe = (article9, hasCriminal) => {
    const parts = []
    if (needs[article9]) {
      parts.push(
        article9 === 'g'
          ? 'You chose Art 9(2)(g): it needs a Part 2 condition (paras 6 to 28).'
          : `You chose Art 9(2)(${article9}): it needs Schedule 1 para ${needs[article9].join(', ')}.`
      )
    }
    if (hasCriminal) parts.push('For criminal offence data, any condition in Parts 1 to 3.')
    return parts.join(' ')
  }

  const update = () => {
    const categories = checkedValues('data_categories')
    const hasSpecial = categories.some((code) => special.has(code))
    const hasCriminal = categories.some((code) => criminal.has(code))
    const gdpr = chosen('regime') !== 'law_enforcement'
    const article9 = chosen('article9')

    show(specialSection, (hasSpecial && gdpr) || article9 !== '')

    const wanted = new Set(needs[article9] || [])
    const anyTicked = checkedValues('schedule1').length > 0
    show(schedule1Section, wanted.size > 0 || hasCriminal || anyTicked)
    show(criminalOnly, hasCriminal || form.querySelector('input[name="official_authority"]:checked') !== null)

    if (schedule1Section) {
      for (const group of schedule1Section.querySelectorAll('[data-schedule1-part]')) {
        let visibleItems = 0
        for (const input of group.querySelectorAll('input[name="schedule1"]')) {
          const item = input.closest('.govuk-checkboxes__item')
          const visible = input.checked || hasCriminal || wanted.has(input.value)
          show(item, visible)
          if (visible) visibleItems += 1
        }
        show(group.closest('.govuk-form-group'), visibleItems > 0)
      }
    }
    if (guide) {
      const words = describe(article9, hasCriminal)
      if (words) guide.textContent = words
    }
  }

  form.addEventListener('change', update)
  update()

  // A new flow under a draft agreement is planned until the agreement is signed: choosing a
  // draft agreement chooses "planned", and another agreement "active", until the editor picks a
  // status themselves.
  const drafts = new Set((form.dataset.draftAgreements || '').split(' ').filter(Boolean))
  const agreement = form.querySelector('select[name="agreement"]')
  let statusChosen = false
  form.addEventListener('change', (event) => {
    if (event.target.name === 'status') statusChosen = true
  })
  if (agreement && drafts.size > 0) {
    agreement.addEventListener('change', () => {
      if (statusChosen) return
      const wanted = drafts.has(agreement.value) ? 'planned' : 'active'
      const radio = form.querySelector(`input[name="status"][value="${wanted}"]`)
      if (radio) radio.checked = true
    })
  }
}
