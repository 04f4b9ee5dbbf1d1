// Original file: protos/sharebox.proto


export interface ShutdownRequest {
}

export interface ShutdownRequest__Output {
}
