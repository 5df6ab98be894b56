/**
 * The TensorBoard event-file messages Nabla writes and reads, as protobuf schema text for
 * protobufjs: Event, Summary (Value, Image, SummaryMetadata), HistogramProto, TensorProto (string
 * and float values) and the hparams plugin's session-start message. Names and field numbers are
 * those of TensorBoard's tensorboard/compat/proto/{event,summary,histogram,tensor,tensor_shape}.proto
 * and plugins/hparams/plugin_data.proto (the wire format TensorBoard reads); only the fields used
 * here are listed, which protobuf allows (readers skip unknown fields).
 */
export const TENSORBOARD_PROTO = `
syntax = "proto3";
package tensorboard;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  int32 data_class = 4;
}

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated float float_val = 5 [packed = true];
  repeated bytes string_val = 8;
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message HParamValue {
  oneof kind {
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
  }
}

message SessionStartInfo {
  map<string, HParamValue> hparams = 1;
  string group_name = 4;
  double start_time_secs = 5;
}

message HParamsPluginData {
  int32 version = 1;
  oneof data {
    SessionStartInfo session_start_info = 3;
  }
}
`;
