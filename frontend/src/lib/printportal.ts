/** printPortal is the printouts' Svelte action: it moves the print view to
 * the end of <body> and marks the body with bodyClass, whose print CSS
 * hides the app while the view is open, and gives the view's first button
 * the keyboard (Enter prints, Escape closes). */
export function printPortal(node: HTMLElement, bodyClass: string) {
  document.body.appendChild(node);
  document.body.classList.add(bodyClass);
  node.querySelector('button')?.focus();
  return {
    destroy() {
      document.body.classList.remove(bodyClass);
      node.remove();
    },
  };
}
