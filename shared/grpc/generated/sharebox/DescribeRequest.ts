// Original file: protos/sharebox.proto


export interface DescribeRequest {
}

export interface DescribeRequest__Output {
}
