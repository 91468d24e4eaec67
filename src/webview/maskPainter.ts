/**
 * The mask painter: a canvas laid over the reference image, at the image's own pixel size, so
 * that the exported mask always has the reference's dimensions. What is painted is the area the
 * model may change; it is exported as a PNG whose painted pixels are transparent and the rest
 * opaque, as the image APIs read masks.
 */
export type MaskTool = 'brush' | 'eraser';

const paint = 'rgb(255, 64, 96)';

type Point = { x: number; y: number };

/**
 * One thing done to the mask. The painter keeps these rather than copies of its pixels (a copy of
 * a 4096² mask is 64 MiB): undo replays what is left.
 */
type MaskOperation = { kind: 'stroke'; tool: MaskTool; width: number; points: Point[] } | { kind: 'clear' } | { kind: 'invert' };

/** How far one arrow key moves the keyboard cursor, in image pixels (Shift: ten times more). */
const keyboardStep = (size: number): number => Math.max(1, Math.round(size / 64));

export class MaskPainter {
  readonly canvas: HTMLCanvasElement;
  /** The keyboard cursor: a ring over the canvas, shown while the canvas has focus. */
  readonly cursor: HTMLDivElement;
  tool: MaskTool = 'brush';
  /** The brush diameter in screen pixels (converted to image pixels when painting). */
  brushSize = 40;
  private readonly done: MaskOperation[] = [];
  private readonly undone: MaskOperation[] = [];
  private current: (MaskOperation & { kind: 'stroke' }) | undefined;
  private painted = false;
  private at: Point;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly onChange: () => void,
  ) {
    this.at = { x: width / 2, y: height / 2 };
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = 'mask-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.addEventListener('pointerdown', (event) => this.start(event));
    this.canvas.addEventListener('pointermove', (event) => this.move(event));
    this.canvas.addEventListener('pointerup', (event) => this.end(event));
    this.canvas.addEventListener('pointercancel', (event) => this.end(event));
    this.canvas.addEventListener('keydown', (event) => this.key(event));
    this.canvas.addEventListener('keyup', (event) => this.keyUp(event));
    this.cursor = document.createElement('div');
    this.cursor.className = 'mask-cursor';
    this.cursor.setAttribute('aria-hidden', 'true');
    this.placeCursor();
  }

  private context(): CanvasRenderingContext2D {
    const context = this.canvas.getContext('2d');
    if (!context) throw new Error('no 2d context');
    return context;
  }

  /** True when anything is painted. */
  get isPainted(): boolean {
    return this.painted;
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  private point(event: PointerEvent): Point {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * this.width) / box.width, y: ((event.clientY - box.top) * this.height) / box.height };
  }

  /** The brush width in image pixels, for the size the canvas is shown at. */
  private lineWidth(): number {
    const box = this.canvas.getBoundingClientRect();
    const scale = box.width > 0 ? this.width / box.width : 1;
    return Math.max(1, this.brushSize * scale);
  }

  private start(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.canvas.setPointerCapture(event.pointerId);
    this.begin(this.point(event));
  }

  private move(event: PointerEvent): void {
    if (this.current) this.extend(this.point(event));
  }

  private end(event: PointerEvent): void {
    if (this.canvas.hasPointerCapture(event.pointerId)) this.canvas.releasePointerCapture(event.pointerId);
    this.finish();
  }

  private begin(at: Point): void {
    this.current = { kind: 'stroke', tool: this.tool, width: this.lineWidth(), points: [at] };
    this.draw(this.current, this.current.points.length - 1);
  }

  private extend(at: Point): void {
    if (!this.current) return;
    this.current.points.push(at);
    this.draw(this.current, this.current.points.length - 1);
  }

  private finish(): void {
    if (!this.current) return;
    this.record(this.current);
    this.current = undefined;
    this.painted = this.scan();
    this.onChange();
  }

  private record(operation: MaskOperation): void {
    this.done.push(operation);
    this.undone.length = 0;
  }

  /**
   * The keyboard path: arrows move the cursor (with Shift, further), Space or Enter paints a dab,
   * and holding Space while moving paints along; `[` and `]` change the brush, `B` and `E` pick
   * the brush or the eraser, Ctrl+Z / Ctrl+Y (Cmd on macOS) undo and redo.
   */
  private key(event: KeyboardEvent): void {
    const command = event.ctrlKey || event.metaKey;
    const arrows: Record<string, Point> = { ArrowLeft: { x: -1, y: 0 }, ArrowRight: { x: 1, y: 0 }, ArrowUp: { x: 0, y: -1 }, ArrowDown: { x: 0, y: 1 } };
    const direction = arrows[event.key];
    let handled = true;
    if (command && event.key.toLowerCase() === 'z') {
      if (event.shiftKey) this.redo();
      else this.undo();
    } else if (command && event.key.toLowerCase() === 'y') this.redo();
    else if (direction) {
      const step = keyboardStep(Math.max(this.width, this.height)) * (event.shiftKey ? 10 : 1);
      this.at = { x: Math.min(this.width, Math.max(0, this.at.x + direction.x * step)), y: Math.min(this.height, Math.max(0, this.at.y + direction.y * step)) };
      this.placeCursor();
      if (this.current) this.extend(this.at);
    } else if (event.key === ' ' || event.key === 'Enter') {
      if (!this.current) this.begin(this.at);
      if (event.key === 'Enter') this.finish();
    } else if (event.key === '[' || event.key === ']') {
      this.brushSize = Math.min(160, Math.max(4, this.brushSize + (event.key === ']' ? 8 : -8)));
      this.placeCursor();
      this.onChange();
    } else if (event.key.toLowerCase() === 'b' || event.key.toLowerCase() === 'e') {
      this.tool = event.key.toLowerCase() === 'b' ? 'brush' : 'eraser';
      this.onChange();
    } else handled = false;
    if (handled) event.preventDefault();
  }

  /** Space lifts the keyboard brush when it is let go. */
  private keyUp(event: KeyboardEvent): void {
    if (event.key === ' ') this.finish();
  }

  private placeCursor(): void {
    this.cursor.style.left = `${(this.at.x / this.width) * 100}%`;
    this.cursor.style.top = `${(this.at.y / this.height) * 100}%`;
    this.cursor.style.setProperty('--brush', `${this.brushSize}px`);
  }

  /** Draws an operation, or the newest segment of a stroke (`from` its point index). */
  private draw(operation: MaskOperation, from = 0): void {
    const context = this.context();
    if (operation.kind === 'clear') {
      context.clearRect(0, 0, this.width, this.height);
      return;
    }
    if (operation.kind === 'invert') {
      this.drawInverted(context);
      return;
    }
    context.globalCompositeOperation = operation.tool === 'brush' ? 'source-over' : 'destination-out';
    context.strokeStyle = paint;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = operation.width;
    context.beginPath();
    const start = operation.points[Math.max(0, from - 1)]!;
    context.moveTo(start.x, start.y);
    for (const point of operation.points.slice(Math.max(0, from))) context.lineTo(point.x + 0.01, point.y);
    context.stroke();
    context.globalCompositeOperation = 'source-over';
  }

  clear(): void {
    this.apply({ kind: 'clear' });
  }

  /** Paints what was not painted, and clears what was. */
  invert(): void {
    this.apply({ kind: 'invert' });
  }

  undo(): void {
    const operation = this.done.pop();
    if (!operation) return;
    this.undone.push(operation);
    this.replay();
  }

  redo(): void {
    const operation = this.undone.pop();
    if (!operation) return;
    this.done.push(operation);
    this.replay();
  }

  private apply(operation: MaskOperation): void {
    this.draw(operation);
    this.record(operation);
    this.painted = this.scan();
    this.onChange();
  }

  private replay(): void {
    this.context().clearRect(0, 0, this.width, this.height);
    for (const operation of this.done) this.draw(operation);
    this.painted = this.scan();
    this.onChange();
  }

  private drawInverted(context: CanvasRenderingContext2D): void {
    const copy = document.createElement('canvas');
    copy.width = this.width;
    copy.height = this.height;
    const copyContext = copy.getContext('2d');
    if (!copyContext) return;
    copyContext.drawImage(this.canvas, 0, 0);
    context.globalCompositeOperation = 'source-over';
    context.clearRect(0, 0, this.width, this.height);
    context.fillStyle = paint;
    context.fillRect(0, 0, this.width, this.height);
    context.globalCompositeOperation = 'destination-out';
    context.drawImage(copy, 0, 0);
    context.globalCompositeOperation = 'source-over';
  }

  /** Whether any pixel is painted. */
  private scan(): boolean {
    const data = this.context().getImageData(0, 0, this.width, this.height).data;
    for (let index = 3; index < data.length; index += 4) if (data[index]! > 0) return true;
    return false;
  }

  /** The mask as a PNG of the image's size: painted pixels transparent, the rest opaque black. */
  async export(): Promise<Uint8Array> {
    const out = document.createElement('canvas');
    out.width = this.width;
    out.height = this.height;
    const context = out.getContext('2d');
    if (!context) throw new Error('no 2d context');
    context.fillStyle = '#000';
    context.fillRect(0, 0, this.width, this.height);
    context.globalCompositeOperation = 'destination-out';
    context.drawImage(this.canvas, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the mask could not be encoded');
    return new Uint8Array(await blob.arrayBuffer());
  }
}

/** Base64 of bytes, in chunks (a spread of megabytes would overflow the call stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}
