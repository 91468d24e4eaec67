/**
 * The mask painter: a canvas laid over the reference image, at the image's own pixel size, so
 * that the exported mask always has the reference's dimensions. What is painted is the area the
 * model may change; it is exported as a PNG whose painted pixels are transparent and the rest
 * opaque, as the image APIs read masks.
 */
export type MaskTool = 'brush' | 'eraser';

const paint = 'rgb(255, 64, 96)';

export class MaskPainter {
  readonly canvas: HTMLCanvasElement;
  tool: MaskTool = 'brush';
  /** The brush diameter in screen pixels (converted to image pixels when painting). */
  brushSize = 40;
  private last: { x: number; y: number } | undefined;
  private painted = false;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly onChange: () => void,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = 'mask-canvas';
    this.canvas.addEventListener('pointerdown', (event) => this.start(event));
    this.canvas.addEventListener('pointermove', (event) => this.move(event));
    this.canvas.addEventListener('pointerup', (event) => this.end(event));
    this.canvas.addEventListener('pointercancel', (event) => this.end(event));
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

  private point(event: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * this.width) / box.width, y: ((event.clientY - box.top) * this.height) / box.height };
  }

  private start(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.stroke(this.last, this.last);
  }

  private move(event: PointerEvent): void {
    if (!this.last) return;
    const next = this.point(event);
    this.stroke(this.last, next);
    this.last = next;
  }

  private end(event: PointerEvent): void {
    if (!this.last) return;
    this.last = undefined;
    if (this.canvas.hasPointerCapture(event.pointerId)) this.canvas.releasePointerCapture(event.pointerId);
    this.painted = this.scan();
    this.onChange();
  }

  /** Paints (or erases) a round-capped line between two points in image pixels. */
  stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const context = this.context();
    const box = this.canvas.getBoundingClientRect();
    const scale = box.width > 0 ? this.width / box.width : 1;
    context.globalCompositeOperation = this.tool === 'brush' ? 'source-over' : 'destination-out';
    context.strokeStyle = paint;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = Math.max(1, this.brushSize * scale);
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x + 0.01, to.y);
    context.stroke();
    if (this.tool === 'brush') this.painted = true;
  }

  clear(): void {
    this.context().clearRect(0, 0, this.width, this.height);
    this.painted = false;
    this.onChange();
  }

  /** Paints what was not painted, and clears what was. */
  invert(): void {
    const copy = document.createElement('canvas');
    copy.width = this.width;
    copy.height = this.height;
    const copyContext = copy.getContext('2d');
    if (!copyContext) return;
    copyContext.drawImage(this.canvas, 0, 0);
    const context = this.context();
    context.globalCompositeOperation = 'source-over';
    context.clearRect(0, 0, this.width, this.height);
    context.fillStyle = paint;
    context.fillRect(0, 0, this.width, this.height);
    context.globalCompositeOperation = 'destination-out';
    context.drawImage(copy, 0, 0);
    context.globalCompositeOperation = 'source-over';
    this.painted = this.scan();
    this.onChange();
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
