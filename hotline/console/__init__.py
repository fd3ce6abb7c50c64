"""The agent console (坐席): logging a call, what the screen suggests while it is typed, how it ends."""
