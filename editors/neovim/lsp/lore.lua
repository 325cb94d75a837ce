--- lore's language server for Neovim 0.11+: `vim.lsp.enable('lore')`.
---
--- Settings go in `init_options` (the server reads them at start) with camelCase keys, for
--- example `vim.lsp.config('lore', { init_options = { store = '~/lore-store' } })`.
--- Only the keys listed in `:help lore-settings` are accepted; the server rejects others.

---@type vim.lsp.Config
return {
  cmd = { 'lore', 'serve' },
  filetypes = { 'python' },
  root_markers = {
    '.lore.toml',
    'pyproject.toml',
    'setup.py',
    'setup.cfg',
    'requirements.txt',
    '.git',
  },
  init_options = {},
  on_init = function(client)
    local ok, lore = pcall(require, 'lore')
    if ok then
      lore.on_init(client)
    end
  end,
  on_exit = function(code, signal, client_id)
    local ok, lore = pcall(require, 'lore')
    if ok then
      lore.on_exit(code, signal, client_id)
    end
  end,
}
