import { createPortal } from 'react-dom';
import type { ComponentProps } from 'react';
import { Dialog } from './dialog.tsx';

/** The dialog in a portal on document.body, outside the app root that it makes inert. */
export function ModalDialog(props: ComponentProps<typeof Dialog>) {
  return createPortal(<Dialog {...props} />, document.body);
}
