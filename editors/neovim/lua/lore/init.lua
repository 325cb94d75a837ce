--- lore for Neovim: starts `lore serve` for Python buffers and adds :LoreContext, :LoreSearch
--- and :LoreExplain. Neovim 0.11+ can use `vim.lsp.enable('lore')` (see lsp/lore.lua) and
--- skip `setup()`; `setup()` works on 0.10 too.
local M = {}

--- The oldest server this plugin speaks to (it relies on `data.fix`/`data.dismiss` and the
--- `lore.recordTrace` command).
M.MIN_VERSION = '0.1.0'

--- The settings keys the server accepts (README, "Configuration"); anything else is rejected
--- by the server, so we drop it here with a warning.
M.SETTINGS_KEYS = {
  store = 'string',
  debounceMs = 'number',
  traces = 'boolean',
  disabledLessons = 'table',
  severityOverrides = 'table',
  packs = 'table',
  handFixGraceMs = 'number',
  semanticHints = 'boolean',
  semanticDebounceMs = 'number',
  semanticThreshold = 'number',
  stores = 'table',
}

M.defaults = {
  cmd = { 'lore', 'serve' },
  filetypes = { 'python' },
  root_markers = { '.lore.toml', 'pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', '.git' },
  settings = {},
}

--- The options in force: `setup()` merges the user's into the defaults.
M.options = vim.deepcopy(M.defaults)

local function notify(message, level)
  vim.notify('lore: ' .. message, level or vim.log.levels.INFO, { title = 'lore' })
end

--- Keeps only the settings the server knows, with the right types.
---@param settings table
---@return table clean, string[] problems
function M.clean_settings(settings)
  local clean, problems = {}, {}
  for key, value in pairs(settings or {}) do
    local expected = M.SETTINGS_KEYS[key]
    if not expected then
      table.insert(problems, ('unknown setting `%s` ignored'):format(key))
    elseif type(value) ~= expected then
      table.insert(problems, ('setting `%s` should be a %s, got %s'):format(key, expected, type(value)))
    else
      if key == 'store' then
        value = vim.fs.normalize(value)
      elseif key == 'stores' then
        value = vim.tbl_map(function(entry)
          -- A path has `~` expanded; a URI (s3://...) is passed as it is.
          if type(entry) == 'table' and type(entry.path) == 'string' and not entry.path:find('://', 1, true) then
            entry = vim.tbl_extend('force', entry, { path = vim.fs.normalize(entry.path) })
          end
          return entry
        end, value)
      end
      clean[key] = value
    end
  end
  return clean, problems
end

--- Compares dotted versions: true when `version` >= `minimum`.
---@param version string
---@param minimum string
function M.version_at_least(version, minimum)
  local function parts(text)
    local numbers = {}
    for number in tostring(text):gmatch('%d+') do
      table.insert(numbers, tonumber(number))
    end
    return numbers
  end
  local have, want = parts(version), parts(minimum)
  for index = 1, math.max(#have, #want) do
    local left, right = have[index] or 0, want[index] or 0
    if left ~= right then
      return left > right
    end
  end
  return true
end

--- Why the store cannot be used, or nil: the store, or the nearest existing folder above it
--- (where it would be created), must be a writable directory.
function M.store_problem(store)
  local directory = vim.fs.normalize(vim.fn.fnamemodify(store, ':p')):gsub('/$', '')
  while directory ~= '' and not vim.uv.fs_stat(directory) do
    local parent = vim.fs.dirname(directory)
    if parent == directory then
      break
    end
    directory = parent
  end
  if directory ~= '' and vim.fn.filewritable(directory) == 2 then
    return nil
  end
  return ('the store %s is not writable: lore runs on its built-in lessons and records no traces; set `store` to a writable folder'):format(
    store
  )
end

--- On start: warns once when the server is older than this plugin needs or the store is not
--- writable.
function M.on_init(client)
  local store = (client.config.init_options or {}).store
  local problem = store and M.store_problem(store)
  if problem then
    notify(problem, vim.log.levels.WARN)
  end
  local info = client.server_info or {}
  if info.version and not M.version_at_least(info.version, M.MIN_VERSION) then
    notify(
      ('server %s is older than %s, which this plugin needs: update lore (`lore --version`)'):format(
        info.version,
        M.MIN_VERSION
      ),
      vim.log.levels.WARN
    )
  end
end

--- Restart policy after a crash: at most `MAX_RESTARTS` within `RESTART_WINDOW_MS`, waiting
--- 1 s, 2 s, 4 s, ... between them; then one message, and no restart loop.
M.MAX_RESTARTS = 5
M.RESTART_WINDOW_MS = 3 * 60 * 1000

--- Whether to restart after a crash at `now_ms`, given the times of earlier crashes (kept in
--- `crashes`, which this updates): `{ restart = bool, delay_ms = n, give_up = bool }`.
function M.restart_decision(crashes, now_ms)
  local recent = {}
  for _, at in ipairs(crashes) do
    if now_ms - at < M.RESTART_WINDOW_MS then
      table.insert(recent, at)
    end
  end
  table.insert(recent, now_ms)
  for index = #crashes, 1, -1 do
    crashes[index] = nil
  end
  for index, at in ipairs(recent) do
    crashes[index] = at
  end
  if #recent > M.MAX_RESTARTS then
    return { restart = false, delay_ms = 0, give_up = #recent == M.MAX_RESTARTS + 1 }
  end
  return { restart = true, delay_ms = 1000 * 2 ^ (#recent - 1), give_up = false }
end

local crashes = {}

--- The server exited: after a crash (not a shutdown, not Neovim quitting), start it again for
--- the Python buffers it served, with back-off.
function M.on_exit(code, signal, _)
  if (code == 0 and signal == 0) or vim.v.exiting ~= vim.NIL then
    return
  end
  local decision = M.restart_decision(crashes, vim.uv.now())
  if not decision.restart then
    if decision.give_up then
      notify('the server crashed repeatedly and is not restarted; `:checkhealth lore`, then `:LspRestart` or reopen the file', vim.log.levels.ERROR)
    end
    return
  end
  notify(('the server stopped unexpectedly; restarting in %d ms'):format(decision.delay_ms), vim.log.levels.WARN)
  vim.defer_fn(function()
    local config = M.lsp_config()
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
        local start = vim.deepcopy(config)
        start.root_dir = vim.fs.root(bufnr, config.root_markers) or vim.fn.getcwd()
        start.filetypes = nil
        start.root_markers = nil
        vim.lsp.start(start, { bufnr = bufnr })
      end
    end
  end, decision.delay_ms)
end

--- The `vim.lsp.Config` that `setup()` registers (also usable with `vim.lsp.start`).
function M.lsp_config()
  local settings, problems = M.clean_settings(M.options.settings)
  for _, problem in ipairs(problems) do
    notify(problem, vim.log.levels.WARN)
  end
  return {
    name = 'lore',
    cmd = M.options.cmd,
    filetypes = M.options.filetypes,
    root_markers = M.options.root_markers,
    init_options = settings,
    on_init = M.on_init,
    on_exit = M.on_exit,
  }
end

--- Configures and enables the server. Options: `cmd` (list, default `{'lore', 'serve'}`),
--- `settings` (table of server settings, see `:help lore-settings`), `filetypes`, `root_markers`.
function M.setup(options)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), options or {})
  if options and options.cmd then
    M.options.cmd = options.cmd -- lists are replaced, not merged
  end
  if vim.fn.executable(M.options.cmd[1]) ~= 1 then
    notify(
      ('`%s` not found: install lore and put it on PATH, or pass `cmd = { "/path/to/lore", "serve" }` to setup(); `:checkhealth lore` tells more'):format(
        M.options.cmd[1]
      ),
      vim.log.levels.ERROR
    )
    return
  end
  local config = M.lsp_config()
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config('lore', config)
    vim.lsp.enable('lore')
    return
  end
  -- Neovim 0.10: start a client for each Python buffer, one per root.
  local group = vim.api.nvim_create_augroup('lore', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(event)
      local start = vim.deepcopy(config)
      start.root_dir = vim.fs.root(event.buf, config.root_markers) or vim.fn.getcwd()
      start.filetypes = nil
      start.root_markers = nil
      vim.lsp.start(start, { bufnr = event.buf })
    end,
  })
end

--- The lore client attached to a buffer, if any.
function M.client(bufnr)
  return vim.lsp.get_clients({ name = 'lore', bufnr = bufnr or 0 })[1]
end

--- The lore executable: the running client's, else the configured one.
function M.binary()
  local client = M.client()
  local cmd = client and client.config.cmd or M.options.cmd
  if type(cmd) == 'table' then
    return cmd[1]
  end
  return 'lore'
end

--- The store the client uses, for CLI calls that should see the same memory.
function M.store()
  local client = M.client()
  local init = client and client.config.init_options or M.options.settings or {}
  return init.store
end

local function cli(args)
  local command = { M.binary() }
  -- `--store` goes first: arguments may end with `--` and text that starts with `-`.
  local store = M.store()
  if store then
    vim.list_extend(command, { '--store', store })
  end
  vim.list_extend(command, args)
  return command
end

local function request(client, method, params, handler, bufnr)
  if vim.fn.has('nvim-0.11') == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- The current buffer and its lore client; says so when there is none.
local function attached()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    notify('no lore server is attached to this buffer (`:checkhealth lore`)', vim.log.levels.WARN)
  end
  return bufnr, client
end

--- Shows markdown lines in a float at the cursor.
function M.float(lines, title)
  return vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = 'rounded',
    focus_id = 'lore',
    title = title and (' ' .. title .. ' ') or nil,
    max_width = math.min(100, math.floor(vim.o.columns * 0.8)),
    max_height = math.floor(vim.o.lines * 0.6),
  })
end

--- Markdown for a `lore/context` or `lore search` result
--- (`{recommendation, items: [{id, kind, title, text, score}]}`).
function M.render_context(result)
  local lines = {}
  if type(result) ~= 'table' then
    return { 'lore has nothing to recommend here.' }
  end
  local recommendation = result.recommendation
  if type(recommendation) == 'string' and recommendation ~= '' then
    vim.list_extend(lines, vim.split(recommendation, '\n', { plain = true }))
  end
  local items = result.items or (vim.islist or vim.tbl_islist)(result) and result or {}
  if #items > 0 then
    if #lines > 0 then
      table.insert(lines, '')
    end
    table.insert(lines, '### Sources')
    for _, item in ipairs(items) do
      local score = type(item.score) == 'number' and (' (%.2f)'):format(item.score) or ''
      table.insert(
        lines,
        ('- **%s** `%s` %s%s'):format(item.kind or 'item', item.id or '?', item.title or '', score)
      )
    end
  end
  if #lines == 0 then
    return { 'lore has nothing to recommend here.' }
  end
  return lines
end

--- `:LoreContext`: asks the server for `lore/context` at the cursor and shows it in a float.
function M.context(options)
  options = options or {}
  local bufnr, client = attached()
  if not client then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding or 'utf-16')
  params.query = options.query
  request(client, 'lore/context', params, function(err, result)
    if err then
      if err.code == -32601 then
        notify(
          ('this lore server (%s) has no `lore/context` yet: update lore'):format(
            (client.server_info or {}).version or 'unknown version'
          ),
          vim.log.levels.WARN
        )
      else
        notify('lore/context failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      end
      return
    end
    M.float(M.render_context(result), 'lore context')
  end, bufnr)
end

--- `:LoreSearch {query}`: runs `lore search QUERY --json`; pick a result to read it.
function M.search(query)
  if not query or query == '' then
    notify('usage: :LoreSearch {query}', vim.log.levels.WARN)
    return
  end
  local command = cli({ 'search', '--json', '--', query })
  local ok, started = pcall(vim.system, command, { text = true }, vim.schedule_wrap(function(done)
    if done.code ~= 0 then
      local stderr = done.stderr or ''
      if stderr:find('unrecognized subcommand', 1, true) then
        notify('`lore search` needs a newer lore than the one installed: update lore', vim.log.levels.WARN)
      else
        notify('lore search failed: ' .. vim.trim(stderr), vim.log.levels.ERROR)
      end
      return
    end
    local decoded, result = pcall(vim.json.decode, done.stdout or '')
    if not decoded then
      notify('lore search printed something that is not JSON', vim.log.levels.ERROR)
      return
    end
    local items = result.items or result
    if #items == 0 then
      notify(('nothing in the memory matches “%s”'):format(query))
      return
    end
    vim.ui.select(items, {
      prompt = 'lore: ' .. query,
      format_item = function(item)
        return ('[%s] %s  %s'):format(item.kind or '?', item.id or '?', item.title or '')
      end,
    }, function(item)
      if item then
        local lines = { '### ' .. (item.title or item.id or '') }
        table.insert(lines, '')
        vim.list_extend(lines, vim.split(item.text or '', '\n', { plain = true }))
        M.float(lines, item.id)
      end
    end)
  end))
  if not ok then
    notify(('cannot run `%s`: %s'):format(command[1], started), vim.log.levels.ERROR)
  end
end

--- The lore lesson ids of the diagnostics under the cursor (covering it first, then its line).
function M.lessons_at_cursor()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, column = cursor[1] - 1, cursor[2]
  local covering, on_line = {}, {}
  for _, diagnostic in ipairs(vim.diagnostic.get(0, { lnum = row })) do
    if diagnostic.source == 'lore' then
      local id = diagnostic.code
        or vim.tbl_get(diagnostic, 'user_data', 'lsp', 'data', 'lessonId')
      if id then
        local end_column = diagnostic.end_lnum == row and diagnostic.end_col or math.huge
        if diagnostic.col <= column and column <= end_column then
          table.insert(covering, id)
        else
          table.insert(on_line, id)
        end
      end
    end
  end
  return #covering > 0 and covering or on_line
end

--- `:LoreExplain`: the lesson under the cursor (`lore lessons show ID`) in a float.
function M.explain()
  local ids = M.lessons_at_cursor()
  if #ids == 0 then
    notify('no lore finding under the cursor')
    return
  end
  local command = cli({ 'lessons', 'show', ids[1] })
  local ok, started = pcall(vim.system, command, { text = true }, vim.schedule_wrap(function(done)
    if done.code ~= 0 then
      notify(('cannot show lesson %s: %s'):format(ids[1], vim.trim(done.stderr or '')), vim.log.levels.ERROR)
      return
    end
    M.float(vim.split(vim.trim(done.stdout), '\n', { plain = true }), ids[1])
  end))
  if not ok then
    notify(('cannot run `%s`: %s'):format(command[1], started), vim.log.levels.ERROR)
  end
end

--- Markdown lines for a candidate of `lore.reviewCandidates`: its evidence, trigger and fix.
function M.render_review_item(item)
  local lines = { '### ' .. (item.title ~= '' and item.title or item.id) }
  table.insert(lines, ('`%s` · %s · %d traces from %d people'):format(item.id, item.status, item.traces or 0, item.contributors or 0))
  if item.quarantined then
    table.insert(lines, '')
    table.insert(lines, '**Quarantined**: ' .. (item.quarantine_reason or 'text aimed at agents'))
  end
  local function block(title, text, language)
    if type(text) == 'string' and text ~= '' then
      table.insert(lines, '')
      table.insert(lines, '**' .. title .. '**')
      table.insert(lines, '```' .. language)
      vim.list_extend(lines, vim.split(vim.trim(text), '\n', { plain = true }))
      table.insert(lines, '```')
    end
  end
  block('Before', item.before, 'python')
  block('After', item.after, 'python')
  block('Generated trigger', item.query, 'query')
  block('Generated fix', item.fix, '')
  return lines
end

--- Runs one of the server's commands and calls `handler(err, result)`.
local function execute(client, command, argument, handler, bufnr)
  return request(client, 'workspace/executeCommand', {
    command = command,
    arguments = argument and { argument } or {},
  }, handler, bufnr)
end

--- `:LoreReview`: the candidate lessons waiting for review (mined from the team's fixes, or
--- written by agents); pick one to read its evidence, then approve or reject it.
function M.review()
  local bufnr, client = attached()
  if not client then
    return
  end
  local function done(what)
    return function(err, result)
      if err then
        notify((err.message or vim.inspect(err)), vim.log.levels.ERROR)
      else
        notify(what(result))
      end
    end
  end
  execute(client, 'lore.reviewCandidates', nil, function(err, items)
    if err then
      notify('cannot list candidates: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if type(items) ~= 'table' or #items == 0 then
      notify('no candidate lessons to review (`lore curate` mines them from the team’s fixes)')
      return
    end
    vim.ui.select(items, {
      prompt = 'lore: candidate lessons',
      format_item = function(item)
        return ('%s  %s (%d traces, %d people)%s'):format(
          item.id,
          item.title or '',
          item.traces or 0,
          item.contributors or 0,
          item.quarantined and ' [quarantined]' or ''
        )
      end,
    }, function(item)
      if not item then
        return
      end
      M.float(M.render_review_item(item), item.id)
      if item.kind ~= 'candidate' then
        return
      end
      vim.ui.select({ 'Approve', 'Reject' }, { prompt = 'lore: ' .. item.id }, function(action)
        if action == 'Approve' then
          execute(client, 'lore.approveCandidate', { id = item.id }, done(function(result)
            return ('approved %s; it is active from now on'):format((result or {}).id or item.id)
          end), bufnr)
        elseif action == 'Reject' then
          vim.ui.input({ prompt = 'Why reject ' .. item.id .. '? ' }, function(reason)
            if reason and vim.trim(reason) ~= '' then
              execute(client, 'lore.rejectCandidate', { id = item.id, reason = reason }, done(function()
                return 'rejected ' .. item.id
              end), bufnr)
            end
          end)
        end
      end)
    end)
  end, bufnr)
end

return M
