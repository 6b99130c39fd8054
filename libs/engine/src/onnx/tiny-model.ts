import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/**
 * A minimal valid ONNX model, `y = x + x` over float32[2], used to probe whether an execution
 * provider can create and run a session on this machine.
 */
export function tinyAddModel(): Uint8Array {
  const floatTensor = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimValue: 2 }] },
        },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "goodhart-lab",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "probe",
      node: [{ opType: "Add", input: ["x", "x"], output: ["y"], name: "add" }],
      input: [floatTensor("x")],
      output: [floatTensor("y")],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
