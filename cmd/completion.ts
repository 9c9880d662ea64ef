// `completion bash|zsh|fish|powershell`: a script that asks `kubectl-kvbackup __complete` for candidates.

import type { Argv, CommandModule } from 'yargs';
import { streams } from './streams.ts';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
type Shell = (typeof SHELLS)[number];

// Every script sends the words typed after the program name (the last one being completed, empty after a space) to
// `__complete`, reads the candidates and the `:<directive>` line, and completes file names when the directive lets it
// (bit 4, "no file completion", is clear) and there is no candidate: Cobra's protocol, which kubectl also uses.
const SCRIPTS: Record<Shell, string> = {
  bash: `# bash completion for kubectl-kvbackup; load with: source <(kubectl-kvbackup completion bash)
_kubectl_kvbackup() {
    local cur="\${COMP_WORDS[COMP_CWORD]}" out directive
    out=$("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
    directive=\${out##*:}
    out=\${out%:*}
    (( directive & 1 )) && return
    local IFS=$'\\n'
    COMPREPLY=( $(compgen -W "$out" -- "$cur") )
    if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
        compopt -o filenames 2>/dev/null
        COMPREPLY=( $(compgen -f -- "$cur") )
    fi
    (( directive & 2 )) && compopt -o nospace 2>/dev/null
    return 0
}
complete -F _kubectl_kvbackup kubectl-kvbackup
`,
  zsh: `#compdef kubectl-kvbackup
# zsh completion for kubectl-kvbackup; load with: source <(kubectl-kvbackup completion zsh) (after compinit)
_kubectl_kvbackup() {
    local -a lines candidates
    local out directive
    out=$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
    lines=("\${(@f)out}")
    directive=\${lines[-1]#:}
    candidates=("\${(@)lines[1,-2]}")
    (( directive & 1 )) && return 1
    if (( \${#candidates} )); then
        compadd -a candidates
    elif (( (directive & 4) == 0 )); then
        _files
    fi
}
compdef _kubectl_kvbackup kubectl-kvbackup
`,
  fish: `# fish completion for kubectl-kvbackup; load with: kubectl-kvbackup completion fish | source
function __kubectl_kvbackup_complete
    set -l words (commandline -opc)
    set -l out (command $words[1] __complete $words[2..-1] (commandline -ct) 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else if test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
    end
end
complete -c kubectl-kvbackup -f -a '(__kubectl_kvbackup_complete)'
`,
  powershell: `# PowerShell completion for kubectl-kvbackup; load with: kubectl-kvbackup completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName 'kubectl-kvbackup' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    $out = @(& $commandAst.CommandElements[0].ToString() __complete @words 2>$null)
    if ($out.Count -eq 0) { return }
    $directive = [int]($out[-1].TrimStart(':'))
    if (($directive -band 1) -ne 0) { return }
    $candidates = @($out | Select-Object -SkipLast 1)
    if ($candidates.Count -eq 0 -and ($directive -band 4) -eq 0) { return }
    $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`,
};

/** The completion script for one shell. */
export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}

function builder(yargs: Argv) {
  return yargs
    .positional('shell', { choices: SHELLS, default: 'bash' as const, description: 'The shell to complete for' })
    .example('source <(kubectl-kvbackup completion bash)', 'bash, for the plain executable (kubectl kvbackup <TAB> needs no script: kubectl asks kubectl_complete-kvbackup)')
    .example('kubectl-kvbackup completion zsh > "${fpath[1]}/_kubectl-kvbackup"', 'zsh, installed')
    .example('kubectl-kvbackup completion fish | source', 'fish')
    .example('kubectl-kvbackup completion powershell | Out-String | Invoke-Expression', 'PowerShell');
}

export const completionCommand: CommandModule<object, { shell: Shell }> = {
  command: 'completion [shell]',
  describe: 'Print a shell completion script for the kubectl-kvbackup executable (bash, zsh, fish, powershell)',
  builder: builder as never,
  handler(argv) {
    streams().stdout.write(completionScript(argv.shell));
  },
};
