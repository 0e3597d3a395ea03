// Push package files to the server's built-in feed (`ferry package push`).
// Arguments and result: see ferryPush.txt. The logic shared by every step is in ferry.groovy.
def call(Map args = [:]) {
    ferry.required(args, ['packages'], 'ferryPush')
    List argv = ['package', 'push'] +
        ferry.flag(args, 'ifExists', '--if-exists') +
        ferry.asList(args.packages)
    return ferry.run(args, argv, 'ferryPush')
}
