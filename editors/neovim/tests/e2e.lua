-- End-to-end test of the lore plugin in a real headless Neovim (0.11+). Run by tests/run.sh:
--   nvim --headless --clean --cmd 'set rtp^=editors/neovim' -c 'luafile tests/e2e.lua'
-- Environment: LORE_BIN (the lore binary), LORE_TEST_STORE (an empty temp dir), LORE_TEST_WORKSPACE
-- (a temp copy of editors/fixtures/workspace, the workspace the VS Code test opens too). Exits 0
-- when every step passes, 1 otherwise.

local lore_bin = assert(os.getenv('LORE_BIN'), 'LORE_BIN is not set')
local store = assert(os.getenv('LORE_TEST_STORE'), 'LORE_TEST_STORE is not set')
local workspace = assert(os.getenv('LORE_TEST_WORKSPACE'), 'LORE_TEST_WORKSPACE is not set')
local timeout_ms = tonumber(os.getenv('LORE_E2E_TIMEOUT_MS') or '') or 60000

local n_passed, n_failed = 0, 0
local started_at = vim.uv.hrtime()

local function log(message)
  io.stderr:write(('[%6.2fs] %s\n'):format((vim.uv.hrtime() - started_at) / 1e9, message))
end

-- Collect notifications so that steps can assert on them.
local notifications = {}
vim.notify = function(message, level)
  table.insert(notifications, { message = message, level = level })
  log('  notify: ' .. message)
end

local function finish()
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop()
  end
  if not vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end, 50) then
    for _, client in ipairs(vim.lsp.get_clients()) do
      client:stop(true)
    end
  end
  log(('%d passed, %d failed'):format(n_passed, n_failed))
  if n_failed > 0 then
    vim.cmd('cquit 1')
  else
    vim.cmd('qall!')
  end
end

local function step(name, body)
  local ok, error_message = xpcall(body, debug.traceback)
  if ok then
    n_passed = n_passed + 1
    log('ok    ' .. name)
  else
    n_failed = n_failed + 1
    log('FAIL  ' .. name .. '\n' .. tostring(error_message))
  end
  return ok
end

local function wait_for(what, condition)
  if not vim.wait(timeout_ms, condition, 50) then
    error('timed out waiting for ' .. what, 2)
  end
end

local function notified(pattern)
  for _, notification in ipairs(notifications) do
    if notification.message:find(pattern) then
      return notification
    end
  end
end

local function lore_diagnostics(bufnr)
  return vim.tbl_filter(function(diagnostic)
    return diagnostic.source == 'lore'
  end, vim.diagnostic.get(bufnr))
end

local function traces()
  local done = vim.system({ lore_bin, 'traces', 'list', '--json', '--store', store }, { text = true }):wait()
  if done.code ~= 0 then
    return {}
  end
  local ok, decoded = pcall(vim.json.decode, done.stdout)
  return ok and decoded or {}
end

local function floating_text()
  for _, window in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(window).relative ~= '' then
      local buffer = vim.api.nvim_win_get_buf(window)
      return table.concat(vim.api.nvim_buf_get_lines(buffer, 0, -1, false), '\n'), window
    end
  end
end

local function close_floats()
  for _, window in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(window).relative ~= '' then
      vim.api.nvim_win_close(window, true)
    end
  end
end

local ok_all = true

ok_all = step('a missing binary gives one clear message', function()
  require('lore').setup({ cmd = { '/nonexistent/lore', 'serve' } })
  assert(notified('`/nonexistent/lore` not found'), 'no "not found" message')
  assert(#vim.lsp.get_clients() == 0, 'a client started anyway')
end) and ok_all

step('pure helpers: settings, versions, store checks', function()
  local lore = require('lore')
  local clean, problems = lore.clean_settings({ debounceMs = 0, traces = 'yes', color = 'red', store = '/tmp/x/' })
  assert(vim.deep_equal(clean, { debounceMs = 0, store = '/tmp/x' }), vim.inspect(clean))
  assert(#problems == 2, vim.inspect(problems))
  local layered = lore.clean_settings({ stores = { { path = '/org/lore/', name = 'org' }, { path = 's3://team/lore' } } })
  assert(
    vim.deep_equal(layered.stores, { { path = '/org/lore', name = 'org' }, { path = 's3://team/lore' } }),
    vim.inspect(layered)
  )
  assert(lore.version_at_least('0.10.0', '0.9.0') and not lore.version_at_least('0.0.9', '0.1.0'))
  assert(lore.store_problem(store) == nil, 'the test store is writable')
  assert(lore.store_problem(workspace .. '/not/yet/created') == nil, 'a store that can be created')
  -- A file where a folder should be (root can write anywhere, so permissions can't be tested).
  local problem = lore.store_problem(workspace .. '/pyproject.toml/store')
  assert(problem and problem:find('not writable', 1, true), tostring(problem))
  -- Crashes are restarted with growing waits, five times in three minutes, then given up.
  local crashes, delays = {}, {}
  for minute = 1, 6 do
    local decision = lore.restart_decision(crashes, minute * 1000)
    table.insert(delays, decision.restart and decision.delay_ms or -1)
  end
  assert(vim.deep_equal(delays, { 1000, 2000, 4000, 8000, 16000, -1 }), vim.inspect(delays))
  local later = lore.restart_decision(crashes, 10 * 60 * 1000)
  assert(later.restart and later.delay_ms == 1000, 'old crashes are forgotten: ' .. vim.inspect(later))
end)

local lore = require('lore')
lore.setup({
  cmd = { lore_bin, 'serve' },
  settings = { store = store, debounceMs = 0, handFixGraceMs = 500 },
})

vim.cmd('cd ' .. vim.fn.fnameescape(workspace))
vim.cmd('edit bare_except.py')
local bufnr = vim.api.nvim_get_current_buf()

local client
ok_all = step('the lore client starts with the plugin settings', function()
  wait_for('a lore client', function()
    client = lore.client(bufnr)
    return client ~= nil and client.initialized
  end)
  assert(client.server_info and client.server_info.name == 'lore', 'server_info: ' .. vim.inspect(client.server_info))
  assert(client.config.init_options.store == store, 'store not passed as init option')
  assert(not notified('not writable'), 'a writable store was reported as not writable')
  assert(vim.fs.normalize(client.root_dir) == vim.fs.normalize(vim.uv.fs_realpath(workspace)), 'root: ' .. tostring(client.root_dir))
end) and ok_all

local diagnostic
ok_all = step('lore diagnoses the bare except', function()
  wait_for('the python-bare-except diagnostic', function()
    for _, candidate in ipairs(lore_diagnostics(bufnr)) do
      if candidate.code == 'python-bare-except' then
        diagnostic = candidate
        return true
      end
    end
  end)
  assert(diagnostic.lnum == 3, 'diagnostic on line ' .. diagnostic.lnum)
end) and ok_all

if not diagnostic then
  finish()
  return
end

vim.api.nvim_win_set_cursor(0, { diagnostic.lnum + 1, diagnostic.col })

step('hover shows the lesson', function()
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 10000)
  local response = responses and responses[client.id]
  assert(response and response.result, 'no hover: ' .. vim.inspect(responses))
  local value = response.result.contents.value or ''
  assert(value:find('Bare `except:`'), 'hover: ' .. value)
end)

step(':LoreExplain shows the lesson in a float', function()
  vim.cmd('LoreExplain')
  local text
  wait_for('a floating window', function()
    text = floating_text()
    return text ~= nil
  end)
  assert(text:find('Bare `except:` catches everything', 1, true), 'float: ' .. text)
  close_floats()
end)

step(':LoreContext answers or says that the server lacks lore/context', function()
  local before = #notifications
  vim.cmd('LoreContext')
  wait_for('a context float or a message', function()
    return floating_text() ~= nil or #notifications > before
  end)
  local text = floating_text()
  if text then
    log('  context float: ' .. text:sub(1, 300):gsub('\n', ' | '))
    assert(text:find('### Sources', 1, true), 'context float without sources: ' .. text)
  else
    local message = notifications[#notifications].message
    assert(message:find('no `lore/context` yet', 1, true), 'unexpected message: ' .. message)
  end
  close_floats()
end)

step(':LoreSearch answers or says that it needs a newer lore', function()
  local before = #notifications
  local original_select = vim.ui.select
  local offered
  vim.ui.select = function(items, _, on_choice)
    offered = items
    on_choice(nil)
  end
  vim.cmd('LoreSearch bare except')
  wait_for('search results or a message', function()
    return offered ~= nil or #notifications > before
  end)
  vim.ui.select = original_select
  if offered then
    local ids = vim.tbl_map(function(item)
      return item.id
    end, offered)
    log('  search offered: ' .. table.concat(ids, ', '):sub(1, 200))
    assert(vim.tbl_contains(ids, 'python-bare-except'), 'python-bare-except not among the results')
  else
    local message = notifications[#notifications].message
    assert(
      message:find('needs a newer lore', 1, true) or message:find('nothing in the memory', 1, true),
      'unexpected message: ' .. message
    )
  end
end)

step(':LoreReview lists a mined candidate and approves it through the server', function()
  -- Two teammates made the same fix by hand; `lore curate` mines a candidate from it.
  local reports = vim.fn.tempname() .. '.jsonl'
  local function fix(contributor, before, after)
    return vim.json.encode({ outcome = 'hand-fixed', contributor = contributor, attempt = before, fix = after })
  end
  vim.fn.writefile({
    fix('ana', 'import time\nstarted = time.clock()', 'import time\nstarted = time.perf_counter()'),
    fix('ben', 'import time\nt0 = time.clock()\nwork()', 'import time\nt0 = time.perf_counter()\nwork()'),
  }, reports)
  local imported = vim.system({ lore_bin, 'traces', 'import', reports, '--store', store }, { text = true }):wait()
  assert(imported.code == 0, 'import failed: ' .. (imported.stderr or ''))
  local curated = vim.system({ lore_bin, 'curate', '--json', '--store', store }, { text = true }):wait()
  assert(curated.code == 0, 'curate failed: ' .. (curated.stderr or ''))
  local candidate = vim.json.decode(curated.stdout).candidates[1]
  assert(candidate and candidate.id:find('^mined%-time%-clock'), 'no candidate mined: ' .. curated.stdout)

  local original_select = vim.ui.select
  local offered
  vim.ui.select = function(items, options, on_choice)
    if options.prompt == 'lore: candidate lessons' then
      offered = items
      for _, item in ipairs(items) do
        if item.id == candidate.id then
          return on_choice(item)
        end
      end
      return on_choice(nil)
    end
    on_choice('Approve')
  end
  local before = #notifications
  vim.cmd('LoreReview')
  wait_for('the approval', function()
    return notified('approved ' .. candidate.id:gsub('%-', '%%-')) ~= nil or #notifications > before
  end)
  vim.ui.select = original_select
  assert(offered and #offered >= 1, 'no candidates offered')
  assert(notified('approved ' .. candidate.id:gsub('%-', '%%-')), 'unexpected: ' .. notifications[#notifications].message)
  assert((floating_text() or ''):find('time.perf_counter()', 1, true), 'the evidence was not shown')
  close_floats()
  local listed = vim.system({ lore_bin, 'lessons', 'list', '--json', '--store', store }, { text = true }):wait()
  for _, lesson in ipairs(vim.json.decode(listed.stdout)) do
    if lesson.id == candidate.id then
      assert(lesson.status == 'active', 'status after approval: ' .. lesson.status)
      return
    end
  end
  error('the approved lesson is not in the store')
end)

ok_all = step('the quick fix applies and the client runs lore.recordTrace', function()
  -- Spy on the requests the client sends, to see workspace/executeCommand go out.
  local sent = {}
  local original_request = client.request
  client.request = function(self, method, params, ...)
    table.insert(sent, { method = method, params = params })
    return original_request(self, method, params, ...)
  end
  local applied = false
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      applied = applied
        or action.title == 'Catch `Exception` instead of everything (lore: python-bare-except)'
      return action.title == 'Catch `Exception` instead of everything (lore: python-bare-except)'
    end,
  })
  wait_for('the buffer to change', function()
    return vim.api.nvim_buf_get_lines(bufnr, 3, 4, false)[1] == '    except Exception:'
  end)
  wait_for('workspace/executeCommand lore.recordTrace', function()
    for _, request in ipairs(sent) do
      if request.method == 'workspace/executeCommand' and request.params.command == 'lore.recordTrace' then
        return true
      end
    end
  end)
  client.request = original_request
  local accepted
  wait_for('an accepted trace in the store', function()
    for _, trace in ipairs(traces()) do
      if trace.outcome == 'accepted' and trace.lesson_id == 'python-bare-except' then
        accepted = trace
        return true
      end
    end
  end)
  assert(accepted.after:find('except Exception', 1, true), 'trace after: ' .. vim.inspect(accepted))
  wait_for('the diagnostic to go away', function()
    for _, candidate in ipairs(lore_diagnostics(bufnr)) do
      if candidate.code == 'python-bare-except' then
        return false
      end
    end
    return true
  end)
end) and ok_all

step('the help file has valid tags', function()
  local plugin_doc = vim.api.nvim_get_runtime_file('doc/lore.txt', false)[1]
  assert(plugin_doc, 'doc/lore.txt not on the runtimepath')
  local tags_dir = vim.fn.tempname()
  vim.fn.mkdir(tags_dir, 'p')
  vim.fn.writefile(vim.fn.readfile(plugin_doc), tags_dir .. '/lore.txt')
  vim.cmd('helptags ' .. vim.fn.fnameescape(tags_dir))
  local tags = table.concat(vim.fn.readfile(tags_dir .. '/tags'), '\n')
  for _, tag in ipairs({ ':LoreContext', ':LoreSearch', ':LoreExplain', 'lore-settings' }) do
    assert(tags:find(tag, 1, true), 'missing help tag ' .. tag)
  end
end)

step(':checkhealth lore reports the binary and the client', function()
  vim.cmd('checkhealth lore')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  assert(text:find('found ' .. lore_bin, 1, true), 'health: ' .. text)
  assert(text:find('client %d+: lore'), 'health: ' .. text)
  assert(text:find('store ' .. store .. ' (writable)', 1, true), 'health: ' .. text)
  vim.cmd('bwipeout!')
end)

finish()
