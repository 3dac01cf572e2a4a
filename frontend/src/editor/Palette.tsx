// The palette: one button per element kind. Drag one onto the canvas, or press Enter on it
// to add the element at the middle of the view.
import { PALETTE, type PaletteKind } from "../model/palette";
import { KindIcon } from "./icons";

export const PALETTE_MIME = "application/x-netloom-kind";

export function Palette({ onAdd }: { onAdd: (kind: PaletteKind) => void }) {
  return (
    <nav className="palette" aria-label="Add elements">
      <h2>Add</h2>
      <ul>
        {PALETTE.map((item) => (
          <li key={item.kind}>
            <button
              type="button"
              draggable
              aria-label={`Add ${item.label}`}
              title={`${item.label}: drag onto the canvas, or press Enter`}
              onDragStart={(event) => {
                event.dataTransfer.setData(PALETTE_MIME, item.kind);
                event.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => onAdd(item.kind)}
            >
              <KindIcon kind={item.kind} />
              <span>{item.label}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
