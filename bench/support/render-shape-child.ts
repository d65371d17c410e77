import { measureShape } from "./measure-shape.js";
import { RENDER_SHAPES } from "./render-shapes.js";

/** Child-process entry for rendering.ts: argv SHAPE REPS; one JSON event per line on stdout. */
const [name, reps] = process.argv.slice(2);
const shape = name === undefined ? undefined : RENDER_SHAPES[name];
if (!shape) throw new Error(`unknown shape ${name}`);
measureShape(shape, Number(reps), (e) => process.stdout.write(`${JSON.stringify(e)}\n`));
