import { h } from "./dom.js"

/** The sign-in form: the key is sent once (`POST dashboard/session`); the browser keeps a session cookie. */
export const renderLogin = (root: HTMLElement): void => {
  const input = h("input", {
    type: "password",
    id: "key",
    name: "key",
    autocomplete: "current-password",
    placeholder: "admin key (or gateway key)",
    required: "",
  })
  const error = h("p", { class: "error", role: "alert" })
  const form = h(
    "form",
    { class: "card login" },
    h("h1", {}, "Switchyard"),
    h("p", { class: "muted" }, "This dashboard needs a key."),
    h("label", { for: "key" }, "Key"),
    input,
    h("button", { type: "submit" }, "Sign in"),
    error,
  )
  form.addEventListener("submit", (event) => {
    event.preventDefault()
    error.textContent = ""
    void fetch("dashboard/session", {
      method: "POST",
      headers: { authorization: `Bearer ${input.value.trim()}` },
    }).then(
      (r) => {
        if (r.ok) location.reload()
        else error.textContent = r.status === 401 ? "That key is not accepted here." : `Sign-in failed (${r.status}).`
      },
      () => {
        error.textContent = "The gateway did not answer."
      },
    )
  })
  root.replaceChildren(form)
  input.focus()
}
