// Original file: protos/sharebox.proto


export interface StartRequest {
}

export interface StartRequest__Output {
}
