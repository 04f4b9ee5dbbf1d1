// Original file: protos/sharebox.proto


export interface ResultRequest {
}

export interface ResultRequest__Output {
}
