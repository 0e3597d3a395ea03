// Create a zip, nupkg or tar.gz package reproducibly (`ferry package create`).
// Arguments and result: see ferryPackage.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['id', 'version'], 'ferryPackage')
    List argv = ['package', 'create'] +
        ferry.flag(args, 'id', '--id') +
        ferry.flag(args, 'version', '--version') +
        ferry.packOptions(args)
    return ferry.run(args, argv, 'ferryPackage')
}
