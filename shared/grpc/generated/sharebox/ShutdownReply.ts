// Original file: protos/sharebox.proto


export interface ShutdownReply {
}

export interface ShutdownReply__Output {
}
