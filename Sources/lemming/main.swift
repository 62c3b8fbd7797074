import LemmingCLI

await LemmingMain.run()
