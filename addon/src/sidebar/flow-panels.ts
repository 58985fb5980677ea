/** Shows a panel per configured flow (and hides the rest); each panel loads its data when first shown. */
import { $ } from './dom';
import { loadMisPanel } from './mis-panel';
import { loadQbwcPanel } from './qbwc-panel';
import { loadZimbraPanel } from './zimbra-panel';

const panels = [
  { flow: 'mis', id: 'mis-panel', load: loadMisPanel },
  { flow: 'zimbra', id: 'zimbra-panel', load: loadZimbraPanel },
  { flow: 'qbwc', id: 'qbwc-panel', load: loadQbwcPanel },
] as const;

const loaded = new Set<string>();

export function showFlowPanels(flows: { mis: boolean; zimbra: boolean; qbwc: boolean } | undefined): void {
  for (const panel of panels) {
    const on = flows?.[panel.flow] === true;
    $(panel.id).hidden = !on;
    if (on && !loaded.has(panel.flow)) {
      loaded.add(panel.flow);
      panel.load();
    }
  }
}
