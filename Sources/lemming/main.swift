import LemmingCLI
import LemmingProcess

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// First, before any thread starts: as `lemming __lemming-sandbox-exec …`, confine this process
// and become the sandboxed program (SandboxLauncher); otherwise note that this binary can launch.
SandboxLauncher.runIfRequested(CommandLine.arguments)
// A child that exits without reading its stdin, or a closed output pipe, must end in EPIPE
// errors handled where they happen, not kill the engine: the signal is ignored once, here.
_ = signal(SIGPIPE, SIG_IGN)
// A tick of many agents holds a socket per model call in flight: the soft limit on open files goes
// up to the hard limit.
OpenFileLimit.raise()
// However the command ends (its error paths call exit), no program it started survives it.
ProcessRunner.killRunningGroupsAtExit()
await LemmingMain.run()
