--- `:checkhealth lore`: the binary, its version, `lore doctor`, the store and the clients.
local M = {}

local health = vim.health

function M.check()
  local lore = require('lore')
  health.start('lore: binary')
  local binary = lore.binary()
  local path = vim.fn.exepath(binary)
  if path == '' then
    health.error(('`%s` not found'):format(binary), {
      'Build or install lore, then put it on PATH',
      'or pass `cmd = { "/path/to/lore", "serve" }` to require("lore").setup{}',
      'or set it with vim.lsp.config("lore", { cmd = { "/path/to/lore", "serve" } })',
    })
    return
  end
  health.ok('found ' .. path)

  local version = vim.system({ path, '--version' }, { text = true }):wait(10000)
  if version.code ~= 0 then
    health.error('`lore --version` failed: ' .. vim.trim(version.stderr or ''))
    return
  end
  local number = vim.trim(version.stdout or ''):match('(%d+%.%d+%.%d+)') or '?'
  if lore.version_at_least(number, lore.MIN_VERSION) then
    health.ok(('version %s (this plugin needs %s or newer)'):format(number, lore.MIN_VERSION))
  else
    health.error(('version %s is older than %s'):format(number, lore.MIN_VERSION), { 'Update lore' })
  end

  health.start('lore: doctor (model, ONNX Runtime, store)')
  local command = { path, 'doctor' }
  local store = lore.store()
  if store then
    vim.list_extend(command, { '--store', store })
  end
  local doctor = vim.system(command, { text = true }):wait(60000)
  local output = vim.trim((doctor.stdout or '') .. '\n' .. (doctor.stderr or ''))
  for _, line in ipairs(vim.split(output, '\n', { plain = true, trimempty = true })) do
    health.info(line)
  end
  if doctor.code == 0 then
    health.ok('`lore doctor` reports everything in place')
  else
    health.warn('`lore doctor` found something missing (see above for how to fix it)')
  end

  health.start('lore: store')
  if store then
    local problem = lore.store_problem(store)
    if problem then
      health.error(problem, { 'Choose a writable folder for the `store` setting' })
    elseif vim.fn.isdirectory(store) == 1 then
      health.ok('store ' .. store .. ' (writable)')
    else
      health.ok('store ' .. store .. ' (created on first use)')
    end
  else
    health.info('store: the default ($LORE_STORE, else $XDG_DATA_HOME/lore/store); `lore doctor` above shows it')
  end

  health.start('lore: clients')
  local clients = vim.lsp.get_clients({ name = 'lore' })
  if #clients == 0 then
    health.info('no lore client is running (open a Python file)')
  end
  for _, client in ipairs(clients) do
    health.ok(('client %d: %s %s, root %s'):format(
      client.id,
      (client.server_info or {}).name or 'lore',
      (client.server_info or {}).version or '',
      client.root_dir or '(none)'
    ))
  end
end

return M
