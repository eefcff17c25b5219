//! The UI's words in Korean and English.

use madang_shared::map::Lang;

mod refusals;
pub use refusals::{join_error, lost_why, notice, refusal};

/// Every fixed string the UI shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    WindowTitle,
    Connecting,
    Connected,
    Lost,
    RetryHint,
    Controls,
    PeopleNear,
    Gallery,
    Screen,
    Stage,
    DoorTo,
    Table,
    VideoFailed,
    OpenPrompt,
    Close,
    Prev,
    Next,
    Zoom,
    ZoomHint,
    Hearts,
    HeartGive,
    HeartTake,
    Vote,
    Voted,
    VoteDraft,
    VoteClosed,
    Comments,
    NoComments,
    More,
    Send,
    CommentHint,
    Hide,
    Unhide,
    Hidden,
    Saved,
    Loading,
    PhotoFailed,
    Paused,
    Playing,
    Waiting,
    PanelKeys,
    Directory,
    DirectoryHint,
    NoWay,
    Walking,
    ChatNear,
    ChatRoom,
    ChatStage,
    ChatDirect,
    ChatHint,
    Alone,
    InBubble,
    AtTable,
    Locked,
    OnStage,
    Applause,
    HeartReaction,
    Cheer,
    TalkKeys,
    NoSuchPerson,
    VoiceOff,
    VoiceOn,
    MicOn,
    MicOnHint,
    Muted,
    Deafened,
    PushToTalk,
    PeopleButton,
    NobodyNear,
    Follow,
    Locate,
    FloorSpeaker,
    FloorQueue,
    FloorTimer,
    FloorKeys,
    EmoteKeys,
    OrganizerPanel,
    PeopleOnline,
    Search,
    Reason,
    DefaultReason,
    ReportsTitle,
    NoReports,
    AnnounceTitle,
    AnnounceExpo,
    AnnounceHall,
    TakeDown,
    RoleVisitor,
    RoleFacilitator,
    RolePresenter,
    RoleOrganizer,
    MuteAction,
    Unmute,
    Kick,
    BanAction,
    ToStage,
    CeremonyInvite,
    CeremonyTitle,
    CeremonyOpen,
    CeremonyNext,
    CeremonyCall,
    CeremonyClose,
    EditMode,
    EditHelp,
    EditApply,
    EditDelete,
    EditUndo,
    EditAddBooth,
    EditAddGallery,
    EditAddScreen,
    EditAddTable,
    EditAddStage,
    EditRedo,
    EditPalette,
    EditPlaceHint,
    Figures,
    BanMinutes,
    BanMinutesBad,
    ReportButton,
    ReportReason,
    Reported,
    JoinTitle,
    JoinName,
    JoinLanguage,
    JoinServer,
    JoinInvite,
    JoinButton,
    JoinRetry,
    JoinNeedName,
    JoinHint,
    Joining,
    HelpTitle,
    HelpClose,
    HelpWalk,
    HelpClickWalk,
    HelpOpen,
    HelpPanels,
    HelpView,
    HelpVoice,
    HelpFacilitator,
    HelpOrganizer,
    HelpWindow,
    ScreenshotSaved,
    Settings,
    SettingsLanguage,
    SettingsScale,
    SettingsVolume,
    SettingsPushToTalk,
    SettingsMic,
    SettingsSpeaker,
    SettingsDefaultDevice,
    SettingsTestSound,
    SettingsLevel,
    On,
    Off,
    ConfirmYes,
    ConfirmNo,
    LoadingAsking,
    LoadingConnecting,
    LoadingDrawing,
    LoadingPhotos,
    JoinLook,
}

/// The string for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    use Key::*;
    match (lang, key) {
        (Lang::Ko, WindowTitle) => "마당 Madang — 온라인 박람회",
        (Lang::En, WindowTitle) => "Madang — online expo",
        (Lang::Ko, Connecting) => "연결 중…",
        (Lang::En, Connecting) => "Connecting…",
        (Lang::Ko, Connected) => "연결됨",
        (Lang::En, Connected) => "Connected",
        (Lang::Ko, Lost) => "연결 끊김",
        (Lang::En, Lost) => "Connection lost",
        (Lang::Ko, RetryHint) => "R 키로 다시 연결",
        (Lang::En, RetryHint) => "Press R to reconnect",
        (Lang::Ko, Controls) => "이동: 방향키, WASD 또는 바닥 클릭 · F1: 도움말",
        (Lang::En, Controls) => "Move: arrow keys, WASD or click the floor · F1: help",
        (Lang::Ko, PeopleNear) => "주변 사람",
        (Lang::En, PeopleNear) => "People near you",
        (Lang::Ko, Gallery) => "사진 갤러리",
        (Lang::En, Gallery) => "Photo gallery",
        (Lang::Ko, Screen) => "영상",
        (Lang::En, Screen) => "Video",
        (Lang::Ko, Stage) => "무대",
        (Lang::En, Stage) => "Stage",
        (Lang::Ko, DoorTo) => "가는 곳",
        (Lang::En, DoorTo) => "To",
        (Lang::Ko, Table) => "토론 테이블",
        (Lang::En, Table) => "Discussion table",
        (Lang::Ko, VideoFailed) => "영상을 재생할 수 없습니다",
        (Lang::En, VideoFailed) => "This video cannot be played",
        (Lang::Ko, OpenPrompt) => "E 또는 클릭: 열기",
        (Lang::En, OpenPrompt) => "E or click: open",
        (Lang::Ko, Close) => "닫기 (Esc)",
        (Lang::En, Close) => "Close (Esc)",
        (Lang::Ko, Prev) => "◀ 이전",
        (Lang::En, Prev) => "◀ Prev",
        (Lang::Ko, Next) => "다음 ▶",
        (Lang::En, Next) => "Next ▶",
        (Lang::Ko, Zoom) => "확대 (Z)",
        (Lang::En, Zoom) => "Zoom (Z)",
        (Lang::Ko, ZoomHint) => "Esc 또는 Z: 돌아가기",
        (Lang::En, ZoomHint) => "Esc or Z: back",
        (Lang::Ko, Hearts) => "하트",
        (Lang::En, Hearts) => "Hearts",
        (Lang::Ko, HeartGive) => "하트 주기 (H)",
        (Lang::En, HeartGive) => "Give a heart (H)",
        (Lang::Ko, HeartTake) => "하트 취소 (H)",
        (Lang::En, HeartTake) => "Take back heart (H)",
        (Lang::Ko, Vote) => "공감 투표 (V)",
        (Lang::En, Vote) => "Vote for this case (V)",
        (Lang::Ko, Voted) => "이 사례에 투표했습니다",
        (Lang::En, Voted) => "You voted for this case",
        (Lang::Ko, VoteDraft) => "투표가 아직 열리지 않았습니다",
        (Lang::En, VoteDraft) => "The vote has not opened yet",
        (Lang::Ko, VoteClosed) => "투표가 마감되었습니다",
        (Lang::En, VoteClosed) => "The vote is closed",
        (Lang::Ko, Comments) => "댓글",
        (Lang::En, Comments) => "Comments",
        (Lang::Ko, NoComments) => "아직 댓글이 없습니다. 첫 댓글을 남겨 보세요.",
        (Lang::En, NoComments) => "No comments yet. Be the first.",
        (Lang::Ko, More) => "이전 댓글 더 보기",
        (Lang::En, More) => "Older comments",
        (Lang::Ko, Send) => "보내기",
        (Lang::En, Send) => "Send",
        (Lang::Ko, CommentHint) => "댓글 입력 (Enter로 보내기)",
        (Lang::En, CommentHint) => "Write a comment (Enter sends)",
        (Lang::Ko, Hide) => "숨기기",
        (Lang::En, Hide) => "Hide",
        (Lang::Ko, Unhide) => "다시 보이기",
        (Lang::En, Unhide) => "Show",
        (Lang::Ko, Hidden) => "숨김",
        (Lang::En, Hidden) => "hidden",
        (Lang::Ko, Saved) => "저장되었습니다",
        (Lang::En, Saved) => "Saved",
        (Lang::Ko, Loading) => "불러오는 중…",
        (Lang::En, Loading) => "Loading…",
        (Lang::Ko, PhotoFailed) => "사진을 불러올 수 없습니다",
        (Lang::En, PhotoFailed) => "This photo cannot be shown",
        (Lang::Ko, Paused) => "일시정지",
        (Lang::En, Paused) => "Paused",
        (Lang::Ko, Playing) => "재생 중",
        (Lang::En, Playing) => "Playing",
        (Lang::Ko, Waiting) => "방송 대기 중",
        (Lang::En, Waiting) => "Waiting for the broadcast",
        (Lang::Ko, PanelKeys) => "Esc 닫기 · H 하트 · V 투표 · [ ] 사진 · Z 확대 · Enter 댓글",
        (Lang::En, PanelKeys) => {
            "Esc close · H heart · V vote · [ ] photos · Z zoom · Enter comment"
        }
        (Lang::Ko, Directory) => "부스 안내 (B)",
        (Lang::En, Directory) => "Booth directory (B)",
        (Lang::Ko, DirectoryHint) => "부스를 누르면 그곳으로 걸어갑니다",
        (Lang::En, DirectoryHint) => "Choose a booth to walk there",
        (Lang::Ko, NoWay) => "그곳으로 가는 길이 없습니다",
        (Lang::En, NoWay) => "There is no way there",
        (Lang::Ko, Walking) => "가는 중",
        (Lang::En, Walking) => "Walking to",
        (Lang::Ko, ChatNear) => "대화",
        (Lang::En, ChatNear) => "Near",
        (Lang::Ko, ChatRoom) => "전체",
        (Lang::En, ChatRoom) => "Room",
        (Lang::Ko, ChatStage) => "무대",
        (Lang::En, ChatStage) => "Stage",
        (Lang::Ko, ChatDirect) => "귓속말",
        (Lang::En, ChatDirect) => "Direct",
        (Lang::Ko, ChatHint) => "Enter: 채팅 · @이름 으로 귓속말 · Tab: 범위",
        (Lang::En, ChatHint) => "Enter: chat · @name to whisper · Tab: scope",
        (Lang::Ko, Alone) => "혼자 있음",
        (Lang::En, Alone) => "On your own",
        (Lang::Ko, InBubble) => "대화 중",
        (Lang::En, InBubble) => "Talking with",
        (Lang::Ko, AtTable) => "테이블",
        (Lang::En, AtTable) => "At the table",
        (Lang::Ko, Locked) => "잠김",
        (Lang::En, Locked) => "locked",
        (Lang::Ko, OnStage) => "무대 위",
        (Lang::En, OnStage) => "On stage",
        (Lang::Ko, Applause) => "박수",
        (Lang::En, Applause) => "Applause",
        (Lang::Ko, HeartReaction) => "하트",
        (Lang::En, HeartReaction) => "Hearts",
        (Lang::Ko, Cheer) => "환호",
        (Lang::En, Cheer) => "Cheers",
        (Lang::Ko, TalkKeys) => "L 대화 잠금 · 1 박수 · 2 하트 · 3 환호",
        (Lang::En, TalkKeys) => "L lock · 1 applause · 2 heart · 3 cheer",
        (Lang::Ko, NoSuchPerson) => "그런 이름의 사람이 근처에 없습니다",
        (Lang::En, NoSuchPerson) => "Nobody of that name is near",
        (Lang::Ko, VoiceOff) => "음성 사용 불가 (마이크·스피커 없음)",
        (Lang::En, VoiceOff) => "Voice unavailable (no microphone or speaker)",
        (Lang::Ko, VoiceOn) => "음성",
        (Lang::En, VoiceOn) => "Voice",
        (Lang::Ko, Muted) => "마이크 꺼짐",
        (Lang::En, Muted) => "Mic off",
        (Lang::Ko, MicOn) => "마이크 켜짐",
        (Lang::En, MicOn) => "Mic on",
        (Lang::Ko, MicOnHint) => "M 키로 켜기",
        (Lang::En, MicOnHint) => "M to turn on",
        (Lang::Ko, Deafened) => "소리 꺼짐",
        (Lang::En, Deafened) => "Sound off",
        (Lang::Ko, PushToTalk) => "Space 누르고 말하기",
        (Lang::En, PushToTalk) => "Hold Space to talk",
        (Lang::Ko, PeopleButton) => "주변 사람 (P)",
        (Lang::En, PeopleButton) => "People near (P)",
        (Lang::Ko, NobodyNear) => "주변에 아무도 없습니다",
        (Lang::En, NobodyNear) => "Nobody near",
        (Lang::Ko, Follow) => "따라가기",
        (Lang::En, Follow) => "Follow",
        (Lang::Ko, Locate) => "찾기",
        (Lang::En, Locate) => "Locate",
        (Lang::Ko, FloorSpeaker) => "발언",
        (Lang::En, FloorSpeaker) => "Speaking",
        (Lang::Ko, FloorQueue) => "대기",
        (Lang::En, FloorQueue) => "Waiting",
        (Lang::Ko, FloorTimer) => "남은 시간",
        (Lang::En, FloorTimer) => "Time left",
        (Lang::Ko, FloorKeys) => "Q 발언 신청 · (진행자) G 다음 발언자 · T 2분 타이머",
        (Lang::En, FloorKeys) => "Q raise hand · (facilitator) G next speaker · T 2-minute timer",
        (Lang::Ko, EmoteKeys) => "4–9 감정 표현",
        (Lang::En, EmoteKeys) => "4–9 emotes",
        (Lang::Ko, OrganizerPanel) => "운영 (O)",
        (Lang::En, OrganizerPanel) => "Organizer (O)",
        (Lang::Ko, PeopleOnline) => "접속자",
        (Lang::En, PeopleOnline) => "People online",
        (Lang::Ko, Search) => "찾기",
        (Lang::En, Search) => "Search",
        (Lang::Ko, Reason) => "사유",
        (Lang::En, Reason) => "Reason",
        (Lang::Ko, DefaultReason) => "운영 정책 위반",
        (Lang::En, DefaultReason) => "Against the expo's rules",
        (Lang::Ko, ReportsTitle) => "신고",
        (Lang::En, ReportsTitle) => "Reports",
        (Lang::Ko, NoReports) => "신고가 없습니다",
        (Lang::En, NoReports) => "No reports",
        (Lang::Ko, AnnounceTitle) => "공지",
        (Lang::En, AnnounceTitle) => "Announcement",
        (Lang::Ko, AnnounceExpo) => "전체 공지",
        (Lang::En, AnnounceExpo) => "To the whole expo",
        (Lang::Ko, AnnounceHall) => "이 홀에 공지",
        (Lang::En, AnnounceHall) => "To this hall",
        (Lang::Ko, TakeDown) => "공지 내리기",
        (Lang::En, TakeDown) => "Take down",
        (Lang::Ko, RoleVisitor) => "방문객",
        (Lang::En, RoleVisitor) => "visitor",
        (Lang::Ko, RoleFacilitator) => "진행자",
        (Lang::En, RoleFacilitator) => "facilitator",
        (Lang::Ko, RolePresenter) => "발표자",
        (Lang::En, RolePresenter) => "presenter",
        (Lang::Ko, RoleOrganizer) => "운영자",
        (Lang::En, RoleOrganizer) => "organizer",
        (Lang::Ko, MuteAction) => "음소거",
        (Lang::En, MuteAction) => "Mute",
        (Lang::Ko, Unmute) => "음소거 해제",
        (Lang::En, Unmute) => "Unmute",
        (Lang::Ko, Kick) => "내보내기",
        (Lang::En, Kick) => "Kick",
        (Lang::Ko, BanAction) => "차단",
        (Lang::En, BanAction) => "Ban",
        (Lang::Ko, ToStage) => "무대로",
        (Lang::En, ToStage) => "To stage",
        (Lang::Ko, CeremonyInvite) => "시상식이 시작되었습니다 — J: 시상식장으로 가기",
        (Lang::En, CeremonyInvite) => "The awards ceremony has begun — J: go to the ceremony room",
        (Lang::Ko, CeremonyTitle) => "시상식",
        (Lang::En, CeremonyTitle) => "Awards ceremony",
        (Lang::Ko, CeremonyOpen) => "시상식 열기",
        (Lang::En, CeremonyOpen) => "Open the ceremony",
        (Lang::Ko, CeremonyNext) => "다음 상 발표",
        (Lang::En, CeremonyNext) => "Announce the next award",
        (Lang::Ko, CeremonyCall) => "수상자 호출",
        (Lang::En, CeremonyCall) => "Call the winner",
        (Lang::Ko, CeremonyClose) => "시상식 닫기",
        (Lang::En, CeremonyClose) => "Close the ceremony",
        (Lang::Ko, EditMode) => "편집 모드 (F2)",
        (Lang::En, EditMode) => "Edit mode (F2)",
        (Lang::Ko, EditHelp) => {
            "끌기: 옮기기 · 모서리 끌기: 크기 · 방향키: 한 칸 (Shift: 크기) · Delete: 삭제 · Ctrl+Z / Ctrl+Y: 되돌리기 / 다시"
        }
        (Lang::En, EditHelp) => {
            "Drag: move · drag a corner: resize · arrows: a tile (Shift: size) · Delete: remove · Ctrl+Z / Ctrl+Y: undo / redo"
        }
        (Lang::Ko, EditApply) => "속성 적용",
        (Lang::En, EditApply) => "Apply properties",
        (Lang::Ko, EditDelete) => "삭제",
        (Lang::En, EditDelete) => "Delete",
        (Lang::Ko, EditUndo) => "되돌리기",
        (Lang::En, EditUndo) => "Undo",
        (Lang::Ko, EditAddBooth) => "+ 부스",
        (Lang::En, EditAddBooth) => "+ Booth",
        (Lang::Ko, EditAddGallery) => "+ 사진",
        (Lang::En, EditAddGallery) => "+ Gallery",
        (Lang::Ko, EditAddScreen) => "+ 영상",
        (Lang::En, EditAddScreen) => "+ Screen",
        (Lang::Ko, EditAddTable) => "+ 테이블",
        (Lang::En, EditAddTable) => "+ Table",
        (Lang::Ko, EditAddStage) => "+ 무대",
        (Lang::En, EditAddStage) => "+ Stage",
        (Lang::Ko, EditRedo) => "다시 하기",
        (Lang::En, EditRedo) => "Redo",
        (Lang::Ko, EditPalette) => "놓을 것",
        (Lang::En, EditPalette) => "Place",
        (Lang::Ko, EditPlaceHint) => "놓을 곳의 바닥을 클릭하세요 (Esc: 취소)",
        (Lang::En, EditPlaceHint) => "Click the floor where it goes (Esc: cancel)",
        (Lang::Ko, Figures) => "결과 보기",
        (Lang::En, Figures) => "Results figures",
        (Lang::Ko, BanMinutes) => "차단(분)",
        (Lang::En, BanMinutes) => "Ban (min)",
        (Lang::Ko, BanMinutesBad) => "차단 시간은 분 단위 숫자로 적어 주세요 (비우면 영구)",
        (Lang::En, BanMinutesBad) => "Give the ban's length in minutes (empty: for good)",
        (Lang::Ko, ReportButton) => "신고",
        (Lang::En, ReportButton) => "Report",
        (Lang::Ko, ReportReason) => "참가자가 부적절한 행동을 신고했습니다",
        (Lang::En, ReportReason) => "Reported by a visitor for unacceptable behaviour",
        (Lang::Ko, Reported) => "신고가 운영자에게 전달되었습니다",
        (Lang::En, Reported) => "Your report went to the organizers",
        (Lang::Ko, JoinTitle) => "마당 온라인 박람회에 오신 것을 환영합니다",
        (Lang::En, JoinTitle) => "Welcome to the Madang online expo",
        (Lang::Ko, JoinName) => "이름",
        (Lang::En, JoinName) => "Your name",
        (Lang::Ko, JoinLanguage) => "언어",
        (Lang::En, JoinLanguage) => "Language",
        (Lang::Ko, JoinServer) => "서버 주소",
        (Lang::En, JoinServer) => "Server address",
        (Lang::Ko, JoinInvite) => "초대 코드 (있으면)",
        (Lang::En, JoinInvite) => "Invite code (if you have one)",
        (Lang::Ko, JoinButton) => "입장하기",
        (Lang::En, JoinButton) => "Join",
        (Lang::Ko, JoinRetry) => "다시 시도",
        (Lang::En, JoinRetry) => "Try again",
        (Lang::Ko, JoinNeedName) => "다른 사람에게 보일 이름을 적어 주세요",
        (Lang::En, JoinNeedName) => "Write the name others will see",
        (Lang::Ko, JoinHint) => "Enter: 입장 · Tab: 다음 칸 · F1: 도움말",
        (Lang::En, JoinHint) => "Enter: join · Tab: next field · F1: help",
        (Lang::Ko, Joining) => "입장하는 중…",
        (Lang::En, Joining) => "Joining…",
        (Lang::Ko, HelpTitle) => "도움말 — 키와 마우스",
        (Lang::En, HelpTitle) => "Help — keys and mouse",
        (Lang::Ko, HelpClose) => "F1, ? 또는 Esc: 닫기",
        (Lang::En, HelpClose) => "F1, ? or Esc: close",
        (Lang::Ko, HelpWalk) => "방향키 또는 WASD: 걷기",
        (Lang::En, HelpWalk) => "Arrow keys or WASD: walk",
        (Lang::Ko, HelpClickWalk) => {
            "바닥 클릭: 그곳으로 걷기 · 부스·키오스크 클릭: 가서 열기 · 미니맵 클릭: 그곳으로"
        }
        (Lang::En, HelpClickWalk) => {
            "Click the floor: walk there · click a booth or kiosk: go and open it · click the minimap: go there"
        }
        (Lang::Ko, HelpOpen) => {
            "E: 가까운 부스·키오스크 열기 · B: 부스 안내 · P: 주변 사람 · J: 시상식 초대 수락"
        }
        (Lang::En, HelpOpen) => {
            "E: open the booth or kiosk nearby · B: booth directory · P: people · J: accept a ceremony call"
        }
        (Lang::Ko, HelpPanels) => {
            "부스 안에서: Esc 닫기 · H 하트 · V 투표 · [ ] 사진 · Z 확대 · Enter 댓글"
        }
        (Lang::En, HelpPanels) => {
            "In a booth: Esc close · H heart · V vote · [ ] photos · Z zoom · Enter comment"
        }
        (Lang::Ko, HelpView) => {
            "Ctrl + 휠 또는 Ctrl +/-: 확대·축소 · Ctrl+0: 원래대로 · F10: 설정 (글자 크기)"
        }
        (Lang::En, HelpView) => {
            "Ctrl + wheel or Ctrl +/-: zoom · Ctrl+0: reset · F10: settings (text size)"
        }
        (Lang::Ko, HelpVoice) => {
            "M: 마이크 켜기·끄기 · N: 소리 켜기·끄기 · Enter: 채팅 · L 대화 잠금 · 1–3 반응 · 4–9 감정 표현 · Q 발언 신청"
        }
        (Lang::En, HelpVoice) => {
            "M: microphone on/off · N: sound on/off · Enter: chat · L lock the talk · 1–3 reactions · 4–9 emotes · Q raise hand"
        }
        (Lang::Ko, HelpFacilitator) => "진행자: G 다음 발언자 · T 2분 타이머",
        (Lang::En, HelpFacilitator) => "Facilitator: G next speaker · T 2-minute timer",
        (Lang::Ko, HelpOrganizer) => "운영자: O 운영 창 · F2 지도 편집",
        (Lang::En, HelpOrganizer) => "Organizer: O organizer panel · F2 edit the map",
        (Lang::Ko, HelpWindow) => "F12: 화면 저장 · R: 지금 다시 연결 · Ctrl+Q: 끝내기",
        (Lang::En, HelpWindow) => "F12: save a screenshot · R: reconnect now · Ctrl+Q: quit",
        (Lang::Ko, ScreenshotSaved) => "화면을 저장했습니다",
        (Lang::En, ScreenshotSaved) => "Screenshot saved",
        (Lang::Ko, Settings) => "설정 (F10)",
        (Lang::En, Settings) => "Settings (F10)",
        (Lang::Ko, SettingsLanguage) => "언어",
        (Lang::En, SettingsLanguage) => "Language",
        (Lang::Ko, SettingsScale) => "화면 글자 크기",
        (Lang::En, SettingsScale) => "Text and buttons size",
        (Lang::Ko, SettingsVolume) => "다른 사람 목소리 크기",
        (Lang::En, SettingsVolume) => "Others' voices",
        (Lang::Ko, SettingsPushToTalk) => "Space를 누를 때만 말하기",
        (Lang::En, SettingsPushToTalk) => "Talk only while Space is held",
        (Lang::Ko, SettingsMic) => "마이크",
        (Lang::En, SettingsMic) => "Microphone",
        (Lang::Ko, SettingsSpeaker) => "스피커",
        (Lang::En, SettingsSpeaker) => "Speaker",
        (Lang::Ko, SettingsDefaultDevice) => "기본 장치",
        (Lang::En, SettingsDefaultDevice) => "Default device",
        (Lang::Ko, SettingsTestSound) => "소리 시험",
        (Lang::En, SettingsTestSound) => "Test sound",
        (Lang::Ko, SettingsLevel) => "마이크 입력",
        (Lang::En, SettingsLevel) => "Microphone level",
        (Lang::Ko, On) => "켬",
        (Lang::En, On) => "On",
        (Lang::Ko, Off) => "끔",
        (Lang::En, Off) => "Off",
        (Lang::Ko, ConfirmYes) => "예, 진행합니다 (Enter)",
        (Lang::En, ConfirmYes) => "Yes, do it (Enter)",
        (Lang::Ko, ConfirmNo) => "취소 (Esc)",
        (Lang::Ko, JoinLook) => "모습과 색",
        (Lang::En, JoinLook) => "Look and colour",
        (Lang::Ko, LoadingAsking) => "서버에 입장을 요청하는 중…",
        (Lang::En, LoadingAsking) => "Asking the server to let you in…",
        (Lang::Ko, LoadingConnecting) => "연결하는 중…",
        (Lang::En, LoadingConnecting) => "Connecting…",
        (Lang::Ko, LoadingDrawing) => "전시관과 타일을 그리는 중…",
        (Lang::En, LoadingDrawing) => "Drawing the hall and its tiles…",
        (Lang::Ko, LoadingPhotos) => "사진을 불러오는 중…",
        (Lang::En, LoadingPhotos) => "Loading the photos…",
        (Lang::En, ConfirmNo) => "Cancel (Esc)",
    }
}

/// A map property's name in the editor (the property key itself stays in the map file).
pub fn field_label(lang: Lang, key: &str) -> &'static str {
    let (ko, en) = match key {
        "title" => ("제목", "Title"),
        "title_en" => ("제목 (영어)", "Title (English)"),
        "org" => ("기관", "Organization"),
        "org_en" => ("기관 (영어)", "Organization (English)"),
        "theme" => ("주제", "Theme"),
        "images" => ("사진 파일", "Photo files"),
        "video" => ("영상 파일", "Video file"),
        "schedule" => ("상영 시간", "Showing times"),
        "capacity" => ("정원", "Capacity"),
        "description" => ("소개", "Description"),
        "description_en" => ("소개 (영어)", "Description (English)"),
        "to_map" => ("이어지는 홀", "Leads to hall"),
        "to_spawn" => ("도착 지점", "Arrival point"),
        _ => ("속성", "Property"),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

/// A map object's class, as a person calls it.
pub fn class_name(lang: Lang, class: &str) -> &'static str {
    let (ko, en) = match class {
        "booth" => ("부스", "Booth"),
        "photo_kiosk" => ("사진 키오스크", "Photo kiosk"),
        "video_kiosk" => ("영상 키오스크", "Video kiosk"),
        "private_area" => ("토론 테이블", "Discussion table"),
        "spotlight" => ("무대", "Stage"),
        "portal" => ("출입구", "Door"),
        "spawn" => ("도착 지점", "Arrival point"),
        _ => ("물체", "Object"),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

/// "Reconnecting in 4 s (R: now)", after a lost connection.
pub fn reconnecting_in(lang: Lang, secs: u64) -> String {
    match lang {
        Lang::Ko => format!("{secs}초 뒤 다시 연결합니다 (R: 지금)"),
        Lang::En => format!("Reconnecting in {secs} s (R: now)"),
    }
}

/// The language's code in the settings file.
pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => "ko",
        Lang::En => "en",
    }
}

/// The language from a `--lang` value or the environment's `LANG`: Korean unless it says
/// English.
pub fn lang_from(flag: Option<&str>) -> Lang {
    let env = std::env::var("LANG").unwrap_or_default();
    let v = flag.unwrap_or(&env).to_ascii_lowercase();
    if v.starts_with("en") {
        Lang::En
    } else {
        Lang::Ko
    }
}

/// A length of time as people say it, rounded up to the minute: "11시간 1분" / "11 h 1 min",
/// from two days on days and whole hours, "2일 3시간" / "2 d 3 h"; never "0분" (anything left
/// is at least a minute).
pub fn duration_words(lang: Lang, ms: i64) -> String {
    let total = ((ms.max(0) + 59_999) / 60_000).max(1);
    let (days, hours, mins) = (total / 1440, total / 60 % 24, total % 60);
    let parts: Vec<(i64, &str, &str)> = if total >= 2 * 1440 {
        vec![(days, "일", "d"), (hours, "시간", "h")]
    } else {
        vec![(total / 60, "시간", "h"), (mins, "분", "min")]
    };
    let words: Vec<String> = parts
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, ko, en)| match lang {
            Lang::Ko => format!("{n}{ko}"),
            Lang::En => format!("{n} {en}"),
        })
        .collect();
    words.join(" ")
}

/// When something starts, `ms` from now: "11시간 1분 후" / "in 11 h 1 min".
pub fn starts_in(lang: Lang, ms: i64) -> String {
    match lang {
        Lang::Ko => format!("{} 후", duration_words(lang, ms)),
        Lang::En => format!("in {}", duration_words(lang, ms)),
    }
}

/// How long something still runs: "1시간 5분 남음" / "1 h 5 min left".
pub fn time_left(lang: Lang, ms: i64) -> String {
    match lang {
        Lang::Ko => format!("{} 남음", duration_words(lang, ms)),
        Lang::En => format!("{} left", duration_words(lang, ms)),
    }
}

#[cfg(test)]
mod duration_tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn durations_read_as_people_say_them_in_both_languages() {
        let cases: [(i64, &str, &str); 9] = [
            (661 * MIN, "11시간 1분 후", "in 11 h 1 min"),
            (232 * MIN, "3시간 52분 후", "in 3 h 52 min"),
            (60 * MIN, "1시간 후", "in 1 h"),
            (59 * MIN + 1, "1시간 후", "in 1 h"),
            (5 * MIN, "5분 후", "in 5 min"),
            (1, "1분 후", "in 1 min"),
            (0, "1분 후", "in 1 min"),
            (47 * 60 * MIN, "47시간 후", "in 47 h"),
            ((2 * 1440 + 3 * 60 + 20) * MIN, "2일 3시간 후", "in 2 d 3 h"),
        ];
        for (ms, ko, en) in cases {
            assert_eq!(starts_in(Lang::Ko, ms), ko, "{ms} ms");
            assert_eq!(starts_in(Lang::En, ms), en, "{ms} ms");
        }
        assert_eq!(time_left(Lang::Ko, 65 * MIN), "1시간 5분 남음");
        assert_eq!(time_left(Lang::En, 65 * MIN), "1 h 5 min left");
        assert_eq!(time_left(Lang::En, 3 * 1440 * MIN), "3 d left");
    }
}
