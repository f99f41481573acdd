/**
 * Highlighting states on the Graphviz SVG of the statechart (docs/statechart.svg, written by
 * `npm run diagram`): Graphviz titles each state's group after its DOT name ({@link dotNames}).
 *
 * @module
 */
import { activePaths, dotNames } from '../stateNames.js';

/** The SVG groups of states, by DOT name, and the highlight of one state value at a time. */
export class DiagramView {
  readonly #groups = new Map<string, Element>();
  #lit: Element[] = [];

  constructor(readonly container: HTMLElement) {
    for (const group of container.querySelectorAll('g.node, g.cluster')) {
      const title = group.querySelector(':scope > title')?.textContent;
      if (title) this.#groups.set(title, group);
    }
  }

  /** How many states the SVG can show. */
  get size(): number {
    return this.#groups.size;
  }

  /** Highlights exactly the states active in `value`; returns the DOT names lit. */
  show(value: unknown): string[] {
    for (const group of this.#lit) group.classList.remove('active');
    this.#lit = [];
    for (const path of activePaths(value)) {
      for (const name of dotNames(path)) {
        const group = this.#groups.get(name);
        if (group === undefined) continue;
        group.classList.add('active');
        this.#lit.push(group);
      }
    }
    return this.#lit.map((group) => group.querySelector(':scope > title')?.textContent ?? '');
  }
}
