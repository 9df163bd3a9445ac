// The new action page's lead list (actions.forms.ActionForm): once an owning agency is
// chosen, offer only the people who may lead that agency's actions. Without JavaScript
// the list is grouped by agency and the server refuses a lead of another agency.
const agency = document.getElementById('id_agency')
const lead = document.getElementById('id_lead')
const status = document.getElementById('lead-choice-status')

if (agency && lead && lead.dataset.leadChoice === 'all') {
  const groups = Array.from(lead.querySelectorAll('optgroup'))
  const hint = document.getElementById('id_lead_hint')
  const generalHint = hint ? hint.textContent : ''

  const narrow = () => {
    const chosen = agency.selectedIndex > 0 ? agency.options[agency.selectedIndex].text : ''
    const selected = lead.value
    groups.forEach((group) => group.remove())
    const shown = groups.filter((group) => !chosen || group.label === chosen)
    shown.forEach((group) => lead.appendChild(group))
    if (!shown.some((group) => Array.from(group.children).some((o) => o.value === selected))) {
      lead.value = ''
    }
    if (!chosen) {
      if (hint) hint.textContent = generalHint
      if (status) status.textContent = ''
      return
    }
    const count = shown.reduce((n, group) => n + group.children.length, 0)
    const message = count
      ? `The named lead list now shows the ${count} ${count === 1 ? 'person' : 'people'} who may lead ${chosen}'s actions.`
      : (lead.dataset.nobody || '').replace('{agency}', chosen)
    if (hint) hint.textContent = count ? generalHint.replace("the owning agency's", `${chosen}'s`) : message
    if (status) status.textContent = message
  }

  agency.addEventListener('change', narrow)
  narrow()
}
